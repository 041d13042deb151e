// Per-partner quotas: images per order, images per rolling 30 days, concurrent orders.
import { EntityManager } from 'typeorm';
import type { Config } from '../config';
import type { QuotaUsage, Quotas } from '../domain/quota';
import { PartnerEntity } from '../entities/partner';
import { AppError } from './errors';


export function effectiveQuotas(p: PartnerEntity, defaults: Config['quotaDefaults']): Quotas {
  return {
    imagesPerOrder: p.quotaImagesPerOrder ?? defaults.imagesPerOrder,
    imagesPer30Days: p.quotaImagesPer30Days ?? defaults.imagesPer30Days,
    concurrentOrders: p.quotaConcurrentOrders ?? defaults.concurrentOrders,
  };
}

/** Orders that ended early count the images they delivered; the others count their full size. */
export async function quotaUsage(m: EntityManager, partnerId: string): Promise<QuotaUsage> {
  const [row] = (await m.query(
    `SELECT
       count(*) FILTER (WHERE o.status IN ('QUEUED', 'RUNNING'))::int AS active,
       COALESCE(sum(CASE WHEN o.status IN ('CANCELLED', 'FAILED')
                         THEN (SELECT count(*) FROM order_images i WHERE i.order_id = o.id)
                         ELSE o.size END) FILTER (WHERE o.created_at > now() - interval '30 days'), 0)::int AS images
     FROM orders o WHERE o.partner_id = $1`,
    [partnerId],
  )) as { active: number; images: number }[];
  return { imagesLast30Days: row.images, activeOrders: row.active };
}

/** Throws QUOTA_EXCEEDED naming the quota an order of `size` images would break. */
export function checkQuotas(q: Quotas, used: QuotaUsage, size: number): void {
  if (size > q.imagesPerOrder) {
    throw new AppError('QUOTA_EXCEEDED', 'IMAGES_PER_ORDER', `size ${size} is above your quota of ${q.imagesPerOrder} images per order.`, { field: 'input.size' });
  }
  if (used.imagesLast30Days + size > q.imagesPer30Days) {
    const left = Math.max(0, q.imagesPer30Days - used.imagesLast30Days);
    throw new AppError('QUOTA_EXCEEDED', 'IMAGES_PER_30_DAYS', `This order would exceed your quota of ${q.imagesPer30Days} images per 30 days; ${left} remain.`, { field: 'input.size' });
  }
  if (used.activeOrders >= q.concurrentOrders) {
    throw new AppError('QUOTA_EXCEEDED', 'CONCURRENT_ORDERS', `You already have ${used.activeOrders} orders in progress, your quota; wait for one to finish or cancel one.`);
  }
}
