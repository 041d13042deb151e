// A partner's usage over the quotas' rolling 30-day period: what it ordered, what was delivered,
// what the quota counts, and what is left.
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Quotas } from '../domain/quota';
import { badInput, notFound } from './errors';
import { getPartner } from './partners';
import type { Principal } from './principal';
import { effectiveQuotas, quotaUsage } from './quotas';

export interface PartnerUsage {
  partnerId: string;
  periodStart: Date;
  periodEnd: Date;
  ordersPlaced: number;
  imagesOrdered: number;
  imagesDelivered: number;
  imagesCounted: number;
  imagesAvailable: number;
  activeOrders: number;
  ordersAvailable: number;
  quotas: Quotas;
}

/** Whose usage a caller asks for: a partner its own (naming another is NOT_FOUND), an admin the one it names. */
export function usageSubject(who: Principal, partnerId: string | null): string {
  if (who.role === 'ADMIN') {
    if (!partnerId) throw badInput('partnerId', 'PARTNER_REQUIRED', 'An administrator names the partner: usage(partnerId: "…").');
    return partnerId;
  }
  if (partnerId && partnerId !== who.partnerId) throw notFound('partner', partnerId);
  return who.partnerId as string;
}

export async function partnerUsage(ds: DataSource, partnerId: string, defaults: Config['quotaDefaults']): Promise<PartnerUsage> {
  const quotas = effectiveQuotas(await getPartner(ds, partnerId), defaults);
  // One transaction, so now() is one instant: the quota's count and these figures share a period.
  return ds.transaction(async (m) => {
    const counted = await quotaUsage(m, partnerId);
    const [row] = (await m.query(
      `SELECT now() - interval '30 days' AS since, now() AS until,
              (SELECT count(*) FROM orders WHERE partner_id = $1 AND created_at > now() - interval '30 days')::int AS orders,
              (SELECT COALESCE(sum(size), 0) FROM orders WHERE partner_id = $1 AND created_at > now() - interval '30 days')::int AS ordered,
              (SELECT count(*) FROM order_images i JOIN orders o ON o.id = i.order_id
                WHERE o.partner_id = $1 AND i.created_at > now() - interval '30 days')::int AS delivered`,
      [partnerId],
    )) as { since: Date; until: Date; orders: number; ordered: number; delivered: number }[];
    return {
      partnerId,
      periodStart: row.since,
      periodEnd: row.until,
      ordersPlaced: row.orders,
      imagesOrdered: row.ordered,
      imagesDelivered: row.delivered,
      imagesCounted: counted.imagesLast30Days,
      imagesAvailable: Math.min(quotas.imagesPerOrder, Math.max(0, quotas.imagesPer30Days - counted.imagesLast30Days)),
      activeOrders: counted.activeOrders,
      ordersAvailable: Math.max(0, quotas.concurrentOrders - counted.activeOrders),
      quotas,
    };
  });
}
