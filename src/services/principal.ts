// Who is calling (resolved from the Bearer key on every request and WebSocket connection), and
// the one rule that decides whether a caller may use an operation.
import type { EntityManager } from 'typeorm';
import type { AuditInput } from '../audit/log';
import { MemberRole, ROLE_SCOPES, Scope } from '../domain/partner';
import { forbidden, unauthenticated } from './errors';

/** Every scope a partner key can hold (an admin key holds them all). */
export const PARTNER_SCOPES: readonly Scope[] = Object.values(Scope);

export interface Principal {
  role: 'ADMIN' | 'PARTNER';
  keyId: string;
  /** Null for admins. */
  partnerId: string | null;
  /** The partner member the key belongs to, as they are now; null for admins. */
  member: { id: string; name: string; role: MemberRole } | null;
  /** What the key may do now: its own scopes that its member's role allows. */
  scopes: Scope[];
  /** The partner's status when the key was checked (admins: 'APPROVED'). */
  partnerStatus: 'PENDING' | 'APPROVED' | 'SUSPENDED' | 'REJECTED';
}

export interface PartnerPrincipal extends Principal {
  role: 'PARTNER';
  partnerId: string;
}

/**
 * Who may use an operation: 'ADMIN' lets admin keys in; a scope lets in partner keys that carry
 * it on an approved account; 'account:any-status' lets in partner keys with the account scope
 * whatever the account's status (pending partners look at their account and accept the agreement).
 * An operation lists ADMIN and/or one partner grant.
 */
export type Grant = 'ADMIN' | Scope | 'account:any-status';

/** The actor string recorded in the audit log. */
function actorOf(p: Principal | null): string {
  if (!p) return 'anonymous';
  return p.role === 'ADMIN' ? 'admin' : `partner:${p.partnerId}`;
}

/** Who acted, as the audit log records it: the actor, the key and (partner keys) the member. */
export function auditActor(p: Principal | null): Pick<AuditInput, 'actor' | 'keyId' | 'member'> {
  return { actor: actorOf(p), keyId: p?.keyId ?? null, member: p?.member ? { id: p.member.id, name: p.member.name } : null };
}

/** Why a partner key may not use `scope`: its member's role does not allow it, or the key was issued without it. */
function missingScope(p: PartnerPrincipal, scope: Scope) {
  if (p.member && !ROLE_SCOPES[p.member.role].includes(scope)) {
    const allowed = ROLE_SCOPES[p.member.role].join(', ');
    return forbidden('ROLE_FORBIDS', `Your role ${p.member.role} does not allow "${scope}" (it allows ${allowed}); an ADMIN member of your organisation can change your role.`);
  }
  return forbidden('MISSING_SCOPE', `This API key lacks the "${scope}" scope.`);
}

function isPartner(p: Principal): p is PartnerPrincipal {
  return p.role === 'PARTNER' && p.partnerId !== null;
}

/** A caller that authorize() let in with partner grants only (anything else is a programming error). */
export function asPartner(p: Principal): PartnerPrincipal {
  if (!isPartner(p)) throw new Error('a partner-only operation was reached by a non-partner: its grants include ADMIN');
  return p;
}

/** The caller if a grant lets it in; otherwise the UNAUTHENTICATED or FORBIDDEN error that says why not. */
export function authorize(p: Principal | null, grants: readonly Grant[]): Principal {
  if (!p) throw unauthenticated('NO_API_KEY', 'Send an API key as "Authorization: Bearer <key>".');
  if (p.role === 'ADMIN' && grants.includes('ADMIN')) return p;
  const grant = grants.find((g) => g !== 'ADMIN');
  if (!grant) throw forbidden('ADMIN_ONLY', 'Only an administrator may do this.');
  if (!isPartner(p)) throw forbidden('PARTNER_ONLY', 'Only a partner key may do this.');
  const scope: Scope = grant === 'account:any-status' ? 'account' : grant;
  if (!p.scopes.includes(scope)) throw missingScope(p, scope);
  if (grant !== 'account:any-status' && p.partnerStatus !== 'APPROVED') {
    throw forbidden(`PARTNER_${p.partnerStatus}`, `Your partner account is ${p.partnerStatus.toLowerCase()}; ${{ PENDING: 'an administrator must approve it first', SUSPENDED: 'an administrator suspended it (`me { statusReason }` says why) and must reinstate it', REJECTED: 'its application was declined (`me { statusReason }` says why)' }[p.partnerStatus]}.`);
  }
  return p;
}

/**
 * PostgreSQL NOTIFY channel on which a revoked key or a suspended partner is announced, and any
 * other change to what a key's principal holds (API processes cache principals: server/principal-cache).
 */
export const ACCESS_REVOKED_CHANNEL = 'synthbus_access_revoked';

/** What lost access: one key, or every key of a partner (with the partner's new status). */
export type AccessRevocation = { keyId: string } | { partnerId: string; status: Principal['partnerStatus'] };

/** Whose principals changed: a revocation, a member's new role, a partner's new status. */
export type AccessChange = { keyId: string } | { memberId: string } | { partnerId: string };

/** Announces a revocation to every API process; inside a transaction it is heard only once committed. */
export async function announceRevocation(m: EntityManager, r: AccessRevocation): Promise<void> {
  await m.query('SELECT pg_notify($1, $2)', [ACCESS_REVOKED_CHANNEL, JSON.stringify(r)]);
}

/** Announces a change that keeps access (a new role, an approval): principals cached before it are stale. */
export async function announceAccessChange(m: EntityManager, c: { memberId: string } | { partnerId: string }): Promise<void> {
  await m.query('SELECT pg_notify($1, $2)', [ACCESS_REVOKED_CHANNEL, JSON.stringify({ changed: c })]);
}

/** Whether a change (a revocation among them) concerns a caller who authenticated as `p`. */
export function concerns(c: AccessChange, p: Principal): boolean {
  if ('keyId' in c) return c.keyId === p.keyId;
  if ('memberId' in c) return c.memberId === p.member?.id;
  return c.partnerId === p.partnerId;
}
