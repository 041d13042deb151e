// API keys: random bearer tokens, stored only as sha256 hashes, shown once, scoped, revocable.
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key';
import { MemberEntity } from '../entities/member';
import { PartnerEntity } from '../entities/partner';
import { badInput, codePoints, notFound, unauthenticated } from './errors';
import { Scope, scopesInEffect } from '../domain/partner';
import { PARTNER_SCOPES, Principal, announceRevocation } from './principal';

const TOKEN_PREFIX = 'sbk_';

/** 256 random bits: a hash without salt or stretching is enough for tokens this long. */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface IssuedKey {
  key: ApiKeyEntity;
  /** The bearer token. Returned once; only its hash is stored. */
  secret: string;
}

export function validateScopes(scopes: string[]): Scope[] {
  if (scopes.length === 0) throw badInput('scopes', 'SCOPES_EMPTY', `Give at least one scope: ${PARTNER_SCOPES.join(', ')}.`);
  scopes.forEach((s, i) => {
    if (!(PARTNER_SCOPES as readonly string[]).includes(s)) {
      throw badInput(`scopes[${i}]`, 'UNKNOWN_SCOPE', `Unknown scope "${s}"; known scopes: ${PARTNER_SCOPES.join(', ')}.`);
    }
  });
  return [...new Set(scopes)] as Scope[];
}

/** Whose key it is: an admin key, or a partner member's (services/members.ts checks its scopes against the role). */
export type KeyOwner = { partnerId: null } | { partnerId: string; memberId: string };

export async function issueKey(db: DataSource | EntityManager, owner: KeyOwner & { name: string; scopes: Scope[] }): Promise<IssuedKey> {
  const name = owner.name.trim();
  if (!name || codePoints(name) > 100) throw badInput('name', 'KEY_NAME_INVALID', 'A key name must be 1 to 100 characters.');
  const secret = newToken();
  const key = db.getRepository(ApiKeyEntity).create({
    partnerId: owner.partnerId,
    memberId: owner.partnerId === null ? null : owner.memberId,
    role: owner.partnerId ? 'PARTNER' : 'ADMIN',
    name,
    tokenPrefix: secret.slice(0, 12),
    tokenHash: hashToken(secret),
    scopes: owner.scopes,
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  });
  await db.getRepository(ApiKeyEntity).insert(key);
  return { key, secret };
}

export function listKeys(ds: DataSource, partnerId: string | null): Promise<ApiKeyEntity[]> {
  return ds.getRepository(ApiKeyEntity).find({ where: { partnerId: partnerId ?? IsNull() }, order: { createdAt: 'ASC' } });
}

/**
 * Revokes one of the owner's keys (admins: any key). Revoking twice is harmless. Open WebSockets
 * of the key are closed by every API process once the revocation commits.
 */
export async function revokeKey(ds: DataSource, who: Principal, keyId: string): Promise<ApiKeyEntity> {
  const repo = ds.getRepository(ApiKeyEntity);
  const key = await repo.findOneBy({ id: keyId });
  if (!key || (who.role === 'PARTNER' && key.partnerId !== who.partnerId)) throw notFound('API key', keyId);
  if (!key.revokedAt) {
    const revokedAt = new Date();
    await ds.transaction(async (m) => {
      await m.getRepository(ApiKeyEntity).update({ id: key.id }, { revokedAt });
      await announceRevocation(m, { keyId: key.id });
    });
    key.revokedAt = revokedAt;
  }
  return key;
}

/** Resolves a bearer token to a principal, or throws UNAUTHENTICATED saying why. */
interface KeyLookup {
  id: string;
  role: ApiKeyEntity['role'];
  scopes: Scope[];
  last_used_at: Date | null;
  revoked_at: Date | null;
  partner_id: string | null;
  partner_status: PartnerEntity['status'] | null;
  member_id: string | null;
  member_name: string | null;
  member_role: MemberEntity['role'] | null;
}

// The key with its partner and member in one round trip: this runs on every request and WebSocket
// operation (a suspension, a revocation or a role change applies to the next call).
const KEY_LOOKUP = `
  SELECT k.id, k.role, k.scopes, k.last_used_at, k.revoked_at, k.partner_id, p.status AS partner_status,
         m.id AS member_id, m.name AS member_name, m.role AS member_role
    FROM api_keys k LEFT JOIN partners p ON p.id = k.partner_id LEFT JOIN members m ON m.id = k.member_id
   WHERE k.token_hash = $1`;

export async function authenticateToken(ds: DataSource, token: string): Promise<Principal> {
  if (!token.startsWith(TOKEN_PREFIX)) throw unauthenticated('MALFORMED_API_KEY', 'That is not a SynthBUS API key (they start with "sbk_").');
  const [key] = (await ds.query(KEY_LOOKUP, [hashToken(token)])) as KeyLookup[];
  if (!key) throw unauthenticated('UNKNOWN_API_KEY', 'This API key is not valid.');
  if (key.revoked_at) throw unauthenticated('REVOKED_API_KEY', `This API key was revoked on ${key.revoked_at.toISOString()}.`);
  // Coarse last-use tracking; one write per key per minute at most.
  if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > 60_000) {
    await ds.getRepository(ApiKeyEntity).update({ id: key.id }, { lastUsedAt: new Date() });
  }
  if (key.role === 'ADMIN') return { role: 'ADMIN', keyId: key.id, partnerId: null, member: null, scopes: [...PARTNER_SCOPES], partnerStatus: 'APPROVED' };
  // Foreign keys make these present; a partner key without them is a broken database.
  if (!key.partner_id || !key.partner_status || !key.member_id || key.member_name === null || !key.member_role) throw new Error(`API key ${key.id} has no partner or member row`);
  const member = { id: key.member_id, name: key.member_name, role: key.member_role };
  return { role: 'PARTNER', keyId: key.id, partnerId: key.partner_id, member, scopes: scopesInEffect(key.scopes, key.member_role), partnerStatus: key.partner_status };
}
