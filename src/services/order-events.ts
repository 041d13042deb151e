// Order progress events. Writers NOTIFY inside their transaction, so an event is heard only once
// the change it reports is committed; every API process LISTENs and forwards to subscribers.
// Changes of state (and stalls) also queue a delivery to each subscribed webhook, in the same
// transaction: an event committed always has its deliveries (docs/webhooks.md).
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { ClassCount, OrderEvent, OrderEventType, OrderProgress, OrderStatus } from '../domain/order';
import { isWebhookEvent, webhookPayload } from '../domain/webhook';
import { enqueueWebhookDeliveries } from '../db/webhook-queue';

export const ORDER_EVENTS_CHANNEL = 'synthbus_order_events';

/**
 * Several orders' states as stored now, by id (missing ids are absent), in one query. Not scoped:
 * callers pass orders they may see (resolvers: orders already read through scopedOrders).
 */
export async function progressOfOrders(m: DataSource | EntityManager, orderIds: readonly string[]): Promise<Map<string, OrderProgress>> {
  const rows = (await m.query(
    `SELECT o.id, o.status, o.size, o.counts, o.failure_reason, o.started_at, c.id AS certificate_id,
            (SELECT COALESCE(json_agg(json_build_object('birads', birads, 'count', n)), '[]'::json)
               FROM (SELECT birads, count(*)::int AS n FROM order_images WHERE order_id = o.id GROUP BY birads) g) AS delivered,
            (SELECT COALESCE(sum(rejections), 0)::int FROM order_images WHERE order_id = o.id) AS rejected
       FROM orders o LEFT JOIN certificates c ON c.order_id = o.id
      WHERE o.id = ANY($1::uuid[])`,
    [orderIds],
  )) as { id: string; status: OrderStatus; size: number; counts: ClassCount[]; failure_reason: string | null; started_at: Date | null; certificate_id: string | null; delivered: ClassCount[]; rejected: number }[];
  return new Map(
    rows.map((o) => {
      const got = new Map(o.delivered.map((d) => [d.birads, d.count]));
      const deliveredByClass = o.counts.map((c) => ({ birads: c.birads, count: got.get(c.birads) ?? 0 }));
      const progress: OrderProgress = {
        orderId: o.id,
        status: o.status,
        size: o.size,
        delivered: deliveredByClass.reduce((a, c) => a + c.count, 0),
        rejected: o.rejected,
        deliveredByClass,
        certificateId: o.certificate_id,
        failureReason: o.failure_reason,
        startedAt: o.started_at?.toISOString() ?? null,
      };
      return [o.id, progress];
    }),
  );
}

/** The order's state as stored now; the first message of every subscription. */
export async function orderProgress(m: DataSource | EntityManager, orderId: string): Promise<OrderProgress | null> {
  return (await progressOfOrders(m, [orderId])).get(orderId) ?? null;
}

/**
 * Reads the order's progress and NOTIFYs it as an event of `type` (delivered on commit).
 * `unrecordedRejections`: rejections the publishing worker has heard whose images are not recorded
 * yet (the stored figure counts a rejection only once its image is delivered); added to `rejected`.
 */
export async function publishOrderEvent(
  m: DataSource | EntityManager,
  orderId: string,
  type: OrderEventType,
  extra: Pick<OrderEvent, 'index' | 'birads' | 'nnDistance' | 'stalledBecause'> = {},
  unrecordedRejections = 0,
): Promise<OrderEvent | null> {
  // A webhook event and its deliveries commit together: a caller outside a transaction gets one.
  if (isWebhookEvent(type) && m instanceof DataSource) return m.transaction((t) => publishOrderEvent(t, orderId, type, extra, unrecordedRejections));
  const progress = await orderProgress(m, orderId);
  if (!progress) return null;
  const event: OrderEvent = { ...progress, rejected: progress.rejected + unrecordedRejections, ...extra, type, at: new Date().toISOString() };
  await m.query('SELECT pg_notify($1, $2)', [ORDER_EVENTS_CHANNEL, JSON.stringify(event)]);
  if (isWebhookEvent(event.type)) await enqueueWebhookDeliveries(m, orderId, event.type, JSON.stringify(webhookPayload(randomUUID(), { ...event, type: event.type })));
  return event;
}
