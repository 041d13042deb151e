// A partner's limits and what it has used of them.

export interface Quotas {
  imagesPerOrder: number;
  imagesPer30Days: number;
  concurrentOrders: number;
}

export interface QuotaUsage {
  /** Images of orders placed in the last 30 days (ended orders count what they delivered). */
  imagesLast30Days: number;
  /** Orders queued or running. */
  activeOrders: number;
}
