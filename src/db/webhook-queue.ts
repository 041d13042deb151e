// The queue of webhook deliveries: plain rows, like shard jobs. A delivery is inserted in the
// transaction of the order event it announces (so an event committed is never without its
// deliveries), claimed with FOR UPDATE SKIP LOCKED by any API process's dispatcher, and leased
// by pushing its next_attempt_at past the attempt's timeout: a dispatcher that dies mid-attempt
// leaves it due again once the lease runs out (at-least-once delivery).
import type { DataSource, EntityManager } from 'typeorm';
import { WebhookDeliveryState, WebhookEvent } from '../domain/webhook';

type Db = DataSource | EntityManager;

/**
 * One delivery of the event to each of the order's partner's webhooks subscribed to it, due now
 * (in the caller's transaction). `body` is the exact JSON every endpoint receives. A partner that
 * is not approved (suspended) is sent nothing new, as it may read nothing through the API.
 */
export async function enqueueWebhookDeliveries(m: Db, orderId: string, event: WebhookEvent, body: string): Promise<number> {
  const [, n] = (await m.query(
    `INSERT INTO webhook_deliveries (webhook_id, order_id, event, body, next_attempt_at)
     SELECT w.id, o.id, $2, $3, now()
       FROM orders o JOIN partners p ON p.id = o.partner_id AND p.status = 'APPROVED'
            JOIN webhooks w ON w.partner_id = o.partner_id
      WHERE o.id = $1 AND $2 = ANY(w.events)`,
    [orderId, event, body],
  )) as [unknown, number];
  return n;
}

export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  event: WebhookEvent;
  url: string;
  secretSealed: string;
  body: string;
  /** Attempts recorded before this one. */
  attemptCount: number;
}

/** Claims up to `limit` due deliveries, each leased for `leaseSeconds`. */
export async function claimDueDeliveries(db: Db, limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
  const [rows] = (await db.query(
    `UPDATE webhook_deliveries d SET next_attempt_at = now() + $2 * interval '1 second'
       FROM webhooks w
      WHERE d.id IN (SELECT c.id FROM webhook_deliveries c
                      WHERE c.state = 'PENDING' AND c.next_attempt_at <= now()
                      ORDER BY c.next_attempt_at, c.created_at
                      LIMIT $1
                      FOR UPDATE SKIP LOCKED)
        AND w.id = d.webhook_id
      RETURNING d.id, d.webhook_id, d.event, d.body, d.attempt_count, w.url, w.secret_sealed`,
    [limit, leaseSeconds],
  )) as [{ id: string; webhook_id: string; event: WebhookEvent; body: string; attempt_count: number; url: string; secret_sealed: string }[], number];
  return rows.map((r) => ({ id: r.id, webhookId: r.webhook_id, event: r.event, url: r.url, secretSealed: r.secret_sealed, body: r.body, attemptCount: r.attempt_count }));
}

/** One attempt as the partner sees it. */
export interface DeliveryAttempt {
  /** When the request was sent (ISO 8601). */
  at: string;
  /** The endpoint's HTTP status; null when no response came (`error` says why). */
  status: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Records an attempt of a claimed delivery: DELIVERED, or PENDING again in `retryInSeconds`, or
 * FAILED when that is null. Only the claim that made the attempt records it (a lease that ran out
 * and was claimed again records once). False if it was not recorded.
 */
export async function recordAttempt(db: Db, claimed: ClaimedDelivery, attempt: DeliveryAttempt, retryInSeconds: number | null): Promise<boolean> {
  const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
  const state = ok ? WebhookDeliveryState.DELIVERED : retryInSeconds === null ? WebhookDeliveryState.FAILED : WebhookDeliveryState.PENDING;
  const [, n] = (await db.query(
    `UPDATE webhook_deliveries
        SET attempt_count = attempt_count + 1, attempts = attempts || jsonb_build_array($3::jsonb), state = $4,
            next_attempt_at = CASE WHEN $4 = 'PENDING' THEN now() + $5 * interval '1 second' END,
            finished_at = CASE WHEN $4 = 'PENDING' THEN NULL ELSE now() END
      WHERE id = $1 AND attempt_count = $2 AND state = 'PENDING'`,
    [claimed.id, claimed.attemptCount, JSON.stringify(attempt), state, retryInSeconds ?? 0],
  )) as [unknown, number];
  return n > 0;
}
