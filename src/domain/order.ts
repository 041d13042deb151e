// An order's states and the progress events that announce each change. Only
// services/order-lifecycle.ts moves an order between states.

// Const objects rather than TS enums: the values are the plain strings stored in PostgreSQL and
// sent over GraphQL, so a literal 'QUEUED' type-checks as an OrderStatus too.
export const OrderStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** States in which an order still has work to do (and counts toward the concurrent-orders quota). */
export const ACTIVE_STATUSES: readonly OrderStatus[] = [OrderStatus.QUEUED, OrderStatus.RUNNING];

export function isActive(status: OrderStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export interface ClassCount {
  birads: number;
  count: number;
}

export const OrderEventType = {
  SNAPSHOT: 'SNAPSHOT',
  QUEUED: 'QUEUED',
  STARTED: 'STARTED',
  IMAGE_DELIVERED: 'IMAGE_DELIVERED',
  IMAGE_REJECTED: 'IMAGE_REJECTED',
  STALLED: 'STALLED',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type OrderEventType = (typeof OrderEventType)[keyof typeof OrderEventType];

export interface OrderProgress {
  orderId: string;
  status: OrderStatus;
  size: number;
  delivered: number;
  /** Privacy-check rejections so far (each was resampled). */
  rejected: number;
  /** Delivered images per class, ascending BI-RADS, every ordered class listed. */
  deliveredByClass: ClassCount[];
  certificateId: string | null;
  failureReason: string | null;
  /** When the first worker started the order (ISO 8601); null while queued. */
  startedAt: string | null;
}

/**
 * Seconds until the order completes at the rate it has delivered images since it started, as of
 * `at` (rounded up): null until it runs and has delivered one, and once it failed or was
 * cancelled; 0 once completed.
 */
export function estimateSecondsLeft(p: Pick<OrderProgress, 'status' | 'size' | 'delivered' | 'startedAt'>, at: string): number | null {
  if (p.status === OrderStatus.COMPLETED) return 0;
  if (p.status !== OrderStatus.RUNNING || !p.startedAt || p.delivered === 0) return null;
  const elapsedSeconds = (Date.parse(at) - Date.parse(p.startedAt)) / 1000;
  if (!(elapsedSeconds > 0)) return null;
  return Math.ceil((elapsedSeconds / p.delivered) * (p.size - p.delivered));
}

export interface OrderEvent extends OrderProgress {
  type: OrderEventType;
  at: string;
  /** IMAGE_DELIVERED / IMAGE_REJECTED: which image. */
  index?: number | null;
  birads?: number | null;
  nnDistance?: number | null;
  /** STALLED: why the order is not progressing (e.g. "storage unavailable, retrying: …"). */
  stalledBecause?: string | null;
}
