// The authentication every entry point shares (/graphql over HTTP and WebSocket, downloads).
import type { DataSource } from 'typeorm';
import { appendAudit } from '../audit/log';
import { authenticateToken, hashToken } from '../services/api-keys';
import { AppError, unauthenticated } from '../services/errors';
import type { Principal } from '../services/principal';
import type { PrincipalCache } from './principal-cache';

/**
 * Resolves an `Authorization` value ("Bearer <key>") to a principal. No header: null. A bad,
 * unknown or revoked key: UNAUTHENTICATED, and the failure is written to the audit log (with the
 * key's first characters only, never the key). Working keys' principals are cached (by the key's
 * hash, never the key).
 */
export async function authenticateBearer(ds: DataSource, header: string | undefined | null, ip: string, cache: PrincipalCache): Promise<Principal | null> {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  try {
    if (!m) throw unauthenticated('MALFORMED_AUTHORIZATION', 'The Authorization header must be "Bearer <API key>".');
    const hash = hashToken(m[1]);
    const cached = cache.get(hash);
    if (cached) return cached;
    const generation = cache.begin();
    const principal = await authenticateToken(ds, m[1]);
    cache.set(hash, principal, generation);
    return principal;
  } catch (e) {
    if (e instanceof AppError) {
      await appendAudit(ds, {
        actor: 'anonymous',
        action: 'auth.failed',
        outcome: 'denied',
        detail: { reason: e.extensions.reason, keyPrefix: m ? m[1].slice(0, 12) : null, ip },
      });
    }
    throw e;
  }
}
