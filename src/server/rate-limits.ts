// Rate limits per API key, and per client address for callers without a (working) key: anonymous
// requests (apply, public reads) and failed authentications. Counters live in PostgreSQL
// (rate-limiter-flexible's Postgres store, table rate_limits) so that every API replica shares
// them. A refusal is HTTP 429 with RateLimit and Retry-After headers and code RATE_LIMITED.
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { Pool } from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import type { Principal } from '../services/principal';

type RateLimitConfig = Config['rateLimits'];

/** Which allowance refused a request (the metrics' label). */
export type RateLimitName = 'key' | 'anonymous' | 'failed_auth';

const WINDOW_SECONDS = 60;

class RateLimitedError extends GraphQLError {
  constructor(
    readonly limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`Too many requests; retry after ${retryAfterSeconds} s.`, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds,
        http: { status: 429, headers: new HeaderMap(Object.entries(rateLimitHeaders(limit, 0, retryAfterSeconds))) },
      },
    });
  }
}

/**
 * The counters' own connections. A counter is not a record: its commits need not wait for the WAL
 * flush. Otherwise every request of a key holds the key's counter row through an fsync, and the
 * requests of one key queue one fsync at a time (issue 15); a database crash may forget the last
 * fraction of a second of counts. Set as a startup parameter, so no query races the first one.
 */
export function rateLimitPool(connectionString: string): Pool {
  const url = new URL(connectionString);
  // Added to the URL's own startup options (asAppRole's role), which would replace a separate one.
  url.searchParams.set('options', [url.searchParams.get('options'), '-c synchronous_commit=off'].filter(Boolean).join(' '));
  return new Pool({ connectionString: url.toString(), max: 2 });
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) and Retry-After. */
function rateLimitHeaders(limit: number, remaining: number, resetSeconds: number): Record<string, string> {
  const h: Record<string, string> = {
    'ratelimit-policy': `${limit};w=${WINDOW_SECONDS}`,
    ratelimit: `limit=${limit}, remaining=${remaining}, reset=${resetSeconds}`,
  };
  if (remaining === 0) h['retry-after'] = String(resetSeconds);
  return h;
}

function limiter(pool: Pool, keyPrefix: string, points: number): RateLimiterPostgres {
  // The table is created by a migration: the app role may not run DDL.
  return new RateLimiterPostgres({ storeClient: pool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, keyPrefix, points, duration: WINDOW_SECONDS });
}

export class RateLimits {
  private readonly perKey: RateLimiterPostgres;
  private readonly anonymous: RateLimiterPostgres;
  private readonly failedAuth: RateLimiterPostgres;

  constructor(
    pool: Pool,
    private readonly config: RateLimitConfig,
    /** Hears each refusal (the API counts them). */
    private readonly onRefused: (limit: RateLimitName) => void = () => undefined,
  ) {
    this.perKey = limiter(pool, 'key', config.perKeyPerMinute);
    this.anonymous = limiter(pool, 'anon', config.anonymousPerMinute);
    this.failedAuth = limiter(pool, 'authfail', config.failedAuthPerMinute);
  }

  private async consume(l: RateLimiterPostgres, name: RateLimitName, key: string, limit: number): Promise<void> {
    try {
      await l.consume(key);
    } catch (e) {
      if (e instanceof RateLimiterRes) {
        this.onRefused(name);
        throw new RateLimitedError(limit, Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
      }
      throw e;
    }
  }

  /** Before a key is checked: an address that sent too many bad keys is refused without a look-up. */
  async beforeAuthentication(ip: string): Promise<void> {
    const used = await this.failedAuth.get(ip);
    if (!used || used.consumedPoints < this.config.failedAuthPerMinute) return;
    this.onRefused('failed_auth');
    throw new RateLimitedError(this.config.failedAuthPerMinute, Math.max(1, Math.ceil(used.msBeforeNext / 1000)));
  }

  async authenticationFailed(ip: string): Promise<void> {
    await this.failedAuth.penalty(ip);
  }

  /** Counts one request of the caller: by key, or by address when there is none. */
  admit(principal: Principal | null, ip: string): Promise<void> {
    return principal ? this.consume(this.perKey, 'key', principal.keyId, this.config.perKeyPerMinute) : this.consume(this.anonymous, 'anonymous', ip, this.config.anonymousPerMinute);
  }
}

type Authenticate = (header: string | undefined | null, ip: string) => Promise<Principal | null>;

/** `authenticate`, refusing addresses that sent too many bad keys and counting each new one. */
export function rateLimitedAuthentication(limits: RateLimits, authenticate: Authenticate): Authenticate {
  return async (header, ip) => {
    if (header) await limits.beforeAuthentication(ip);
    try {
      return await authenticate(header, ip);
    } catch (e) {
      if (e instanceof GraphQLError && e.extensions.code === 'UNAUTHENTICATED') await limits.authenticationFailed(ip);
      throw e;
    }
  };
}
