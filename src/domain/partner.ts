export const PartnerStatus = {
  PENDING: 'PENDING',
  APPROVED: 'APPROVED',
  SUSPENDED: 'SUSPENDED',
  REJECTED: 'REJECTED',
} as const;
export type PartnerStatus = (typeof PartnerStatus)[keyof typeof PartnerStatus];

/**
 * What a partner API key may do. The names are GraphQL's enum values; the values are the strings
 * stored with each key (and named in MISSING_SCOPE errors).
 */
export const Scope = {
  ACCOUNT: 'account',
  ORDERS_READ: 'orders:read',
  ORDERS_WRITE: 'orders:write',
  DOWNLOADS: 'downloads',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
