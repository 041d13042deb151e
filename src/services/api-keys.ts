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
export async function authenticateToken(ds: DataSource, token: string): Promise<Principal> {
  if (!token.startsWith(TOKEN_PREFIX)) throw unauthenticated('MALFORMED_API_KEY', 'That is not a SynthBUS API key (they start with "sbk_").');
  const key = await ds.getRepository(ApiKeyEntity).findOneBy({ tokenHash: hashToken(token) });
  if (!key) throw unauthenticated('UNKNOWN_API_KEY', 'This API key is not valid.');
  if (key.revokedAt) throw unauthenticated('REVOKED_API_KEY', `This API key was revoked on ${key.revokedAt.toISOString()}.`);
  // Coarse last-use tracking; one write per key per minute at most.
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
    await ds.getRepository(ApiKeyEntity).update({ id: key.id }, { lastUsedAt: new Date() });
  }
  if (key.role === 'ADMIN') return { role: 'ADMIN', keyId: key.id, partnerId: null, member: null, scopes: [...PARTNER_SCOPES], partnerStatus: 'APPROVED' };
  // Both read on every request and WebSocket operation: a suspension or a role change applies to the next call.
  const [partner, m] = await Promise.all([
    ds.getRepository(PartnerEntity).findOneByOrFail({ id: key.partnerId as string }),
    ds.getRepository(MemberEntity).findOneByOrFail({ id: key.memberId as string }),
  ]);
  const member = { id: m.id, name: m.name, role: m.role };
  return { role: 'PARTNER', keyId: key.id, partnerId: partner.id, member, scopes: scopesInEffect(key.scopes, m.role), partnerStatus: partner.status };
}
