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
}

export interface OrderEvent extends OrderProgress {
  type: OrderEventType;
  at: string;
  /** IMAGE_DELIVERED / IMAGE_REJECTED: which image. */
  index?: number | null;
  birads?: number | null;
  nnDistance?: number | null;
}
