// The GraphQL context, built per HTTP request and per WebSocket connection, and the
// authentication every entry point shares (downloads reuse `authenticateBearer`).
import type PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { appendAudit } from '../audit/log';
import type { Config } from '../config';
import { authenticateToken } from '../services/api-keys';
import { AppError, unauthenticated } from '../services/errors';
import type { Principal } from '../services/principal';
import type { ContentStore } from '../storage/content-store';
import type { OrderEventHub } from '../services/order-event-hub';

/** What every resolver and route can use. */
export interface ServerDeps {
  ds: DataSource;
  boss: PgBoss;
  config: Config;
  store: ContentStore;
  hub: OrderEventHub;
}

export interface GraphQLContext extends ServerDeps {
  /** Null when the request carried no key (only public operations then work). */
  principal: Principal | null;
  ip: string;
}

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
