// Webhooks: which order events reach a partner's endpoints, the JSON each delivery carries, and
// when a failed delivery is tried again. No I/O: the queue is db/webhook-queue.ts, the sender
// delivery/webhook-dispatcher.ts.
import type { OrderEvent, OrderEventType } from './order';

/** The order events a webhook can subscribe to: every change of state, and stalls. */
export const WebhookEvent = {
  QUEUED: 'QUEUED',
  STARTED: 'STARTED',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
  STALLED: 'STALLED',
} as const;
export type WebhookEvent = (typeof WebhookEvent)[keyof typeof WebhookEvent];
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = Object.values(WebhookEvent);

export function isWebhookEvent(type: OrderEventType): type is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(type);
}

export const WebhookDeliveryState = {
  /** Not yet accepted: waiting for its next attempt (`nextAttemptAt`). */
  PENDING: 'PENDING',
  /** The endpoint answered 2xx. */
  DELIVERED: 'DELIVERED',
  /** Every attempt failed; no more will be made. */
  FAILED: 'FAILED',
} as const;
export type WebhookDeliveryState = (typeof WebhookDeliveryState)[keyof typeof WebhookDeliveryState];

/** The body of every delivery of one event (the same bytes to each endpoint and on each retry). */
export interface WebhookPayload {
  /** Shared by every endpoint's delivery of this event. */
  eventId: string;
  event: WebhookEvent;
  /** When the change happened (ISO 8601, UTC). */
  occurredAt: string;
  order: {
    id: string;
    status: string;
    size: number;
    delivered: number;
    rejected: number;
    certificateId: string | null;
    failureReason: string | null;
    stalledBecause: string | null;
  };
}

export function webhookPayload(eventId: string, e: OrderEvent & { type: WebhookEvent }): WebhookPayload {
  return {
    eventId,
    event: e.type,
    occurredAt: e.at,
    order: { id: e.orderId, status: e.status, size: e.size, delivered: e.delivered, rejected: e.rejected, certificateId: e.certificateId, failureReason: e.failureReason, stalledBecause: e.stalledBecause ?? null },
  };
}

export interface RetryPolicy {
  /** Attempts in all, the first included; after the last failure the delivery is FAILED. */
  maxAttempts: number;
  /** Wait after the first failure; each further failure doubles it. */
  baseSeconds: number;
  /** The longest wait between two attempts. */
  maxSeconds: number;
}

/** Seconds to wait after the `failedAttempts`-th failure (1, 2, …): base · 2^(n−1), capped; null: give up. */
export function retryDelaySeconds(policy: RetryPolicy, failedAttempts: number): number | null {
  if (failedAttempts >= policy.maxAttempts) return null;
  // 2^30 already exceeds any cap; a larger exponent would only overflow to Infinity.
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(failedAttempts - 1, 30));
}
