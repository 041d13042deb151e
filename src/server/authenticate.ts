// The authentication every entry point shares (/graphql over HTTP and WebSocket, downloads).
import type { DataSource } from 'typeorm';
import { appendAudit } from '../audit/log';
import { authenticateToken } from '../services/api-keys';
import { AppError, unauthenticated } from '../services/errors';
import type { Principal } from '../services/principal';

/**
 * Resolves an `Authorization` value ("Bearer <key>") to a principal. No header: null. A bad,
 * unknown or revoked key: UNAUTHENTICATED, and the failure is written to the audit log (with the
 * key's first characters only, never the key).
 */
export async function authenticateBearer(ds: DataSource, header: string | undefined | null, ip: string): Promise<Principal | null> {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  try {
    if (!m) throw unauthenticated('MALFORMED_AUTHORIZATION', 'The Authorization header must be "Bearer <API key>".');
    return await authenticateToken(ds, m[1]);
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
