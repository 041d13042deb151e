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

/** What a member of a partner organisation may do; each of their keys holds at most the role's scopes. */
export const MemberRole = {
  VIEWER: 'VIEWER',
  ORDERER: 'ORDERER',
  ADMIN: 'ADMIN',
} as const;
export type MemberRole = (typeof MemberRole)[keyof typeof MemberRole];

/** The scopes each role allows: viewers read and download, orderers also order, admins also manage the account. */
export const ROLE_SCOPES: Readonly<Record<MemberRole, readonly Scope[]>> = {
  VIEWER: [Scope.ORDERS_READ, Scope.DOWNLOADS],
  ORDERER: [Scope.ORDERS_READ, Scope.DOWNLOADS, Scope.ORDERS_WRITE],
  ADMIN: [Scope.ORDERS_READ, Scope.DOWNLOADS, Scope.ORDERS_WRITE, Scope.ACCOUNT],
};

/** The scopes a key holds in effect: those it was issued with that its member's role still allows. */
export function scopesInEffect(keyScopes: readonly Scope[], role: MemberRole): Scope[] {
  return keyScopes.filter((s) => ROLE_SCOPES[role].includes(s));
}
