// Who is calling: resolved from the Bearer key on every request and WebSocket connection.
import { forbidden, unauthenticated } from './errors';

export const PARTNER_SCOPES = ['account', 'orders:read', 'orders:write', 'downloads'] as const;
export type Scope = (typeof PARTNER_SCOPES)[number];

export interface Principal {
  role: 'ADMIN' | 'PARTNER';
  keyId: string;
  /** Null for admins. */
  partnerId: string | null;
  scopes: Scope[];
  /** The partner's status when the key was checked (admins: 'APPROVED'). */
  partnerStatus: 'PENDING' | 'APPROVED' | 'SUSPENDED' | 'REJECTED';
}

/** The actor string recorded in the audit log. */
export function actorOf(p: Principal | null): string {
  if (!p) return 'anonymous';
  return p.role === 'ADMIN' ? 'admin' : `partner:${p.partnerId}`;
}

export function requireAuth(p: Principal | null): Principal {
  if (!p) throw unauthenticated('NO_API_KEY', 'Send an API key as "Authorization: Bearer <key>".');
  return p;
}

export function requireAdmin(p: Principal | null): Principal {
  const who = requireAuth(p);
  if (who.role !== 'ADMIN') throw forbidden('ADMIN_ONLY', 'Only an administrator may do this.');
  return who;
}

export interface PartnerPrincipal extends Principal {
  role: 'PARTNER';
  partnerId: string;
}

/**
 * A partner key with the scope. `approved` (default true) also requires an approved, active
 * partner: pending partners may only look at their account and accept the agreement.
 */
export function requirePartner(p: Principal | null, scope: Scope, approved = true): PartnerPrincipal {
  const who = requireAuth(p);
  if (who.role !== 'PARTNER' || !who.partnerId) throw forbidden('PARTNER_ONLY', 'Only a partner key may do this.');
  if (!who.scopes.includes(scope)) throw forbidden('MISSING_SCOPE', `This API key lacks the "${scope}" scope.`);
  if (approved && who.partnerStatus !== 'APPROVED') {
    throw forbidden(`PARTNER_${who.partnerStatus}`, `Your partner account is ${who.partnerStatus.toLowerCase()}; an administrator must approve it first.`);
  }
  return who as PartnerPrincipal;
}
