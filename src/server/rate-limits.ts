// Rate limits per API key, and per client address for callers without a (working) key: anonymous
// requests (apply, public reads) and failed authentications. Counters live in PostgreSQL (table
// rate_limits: rate-limiter-flexible's Postgres store, and for keys the batched KeyCounter on the
// same rows) so that every API replica shares them. A refusal is HTTP 429 with RateLimit and
// Retry-After headers and code RATE_LIMITED.
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { Pool } from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import type { Principal } from '../services/principal';
import { KeyCounter } from './key-counter';

type RateLimitConfig = Config['rateLimits'];

/** Which allowance refused a request (the metrics' label). */
export type RateLimitName = 'key' | 'anonymous' | 'failed_auth';

const WINDOW_SECONDS = 60;
/** How often a replica writes its keys' counts (and learns the others'). */
const KEY_COUNT_FLUSH_MS = 100;
/** How many addresses with failed authentications a replica remembers (the oldest go first). */
const MAX_SUSPECTS = 10_000;

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
  private readonly perKey: KeyCounter;
  private readonly anonymous: RateLimiterPostgres;
  private readonly failedAuth: RateLimiterPostgres;
  /** Addresses that failed to authenticate here lately, with when that stops mattering (epoch ms). */
  private readonly suspects = new Map<string, number>();

  constructor(
    pool: Pool,
    private readonly config: RateLimitConfig,
    /** Hears each refusal (the API counts them). */
    private readonly onRefused: (limit: RateLimitName) => void = () => undefined,
    log: (line: string) => void = () => undefined,
  ) {
    this.perKey = new KeyCounter(pool, 'key', config.perKeyPerMinute, WINDOW_SECONDS * 1000, KEY_COUNT_FLUSH_MS, (e) => log(`rate limits: could not write the keys' counts (${e.message}); counted here only`));
    this.anonymous = limiter(pool, 'anon', config.anonymousPerMinute);
    this.failedAuth = limiter(pool, 'authfail', config.failedAuthPerMinute);
  }

  private refuse(name: RateLimitName, limit: number, msBeforeNext: number): never {
    this.onRefused(name);
    throw new RateLimitedError(limit, Math.max(1, Math.ceil(msBeforeNext / 1000)));
  }

  private async consume(l: RateLimiterPostgres, name: RateLimitName, key: string, limit: number): Promise<void> {
    try {
      await l.consume(key);
    } catch (e) {
      if (e instanceof RateLimiterRes) this.refuse(name, limit, e.msBeforeNext);
      throw e;
    }
  }

  /**
   * Before a key is checked: an address that sent too many bad keys is refused without a look-up.
   * Only addresses that failed here lately are looked up in the shared counts, so a working key
   * costs no round trip for it; at another replica an attacker's first bad key is looked up once
   * (401), and from then on that replica asks too.
   */
  async beforeAuthentication(ip: string): Promise<void> {
    const until = this.suspects.get(ip);
    if (until === undefined) return;
    if (until <= Date.now()) {
      this.suspects.delete(ip);
      return;
    }
    const used = await this.failedAuth.get(ip);
    if (!used || used.consumedPoints < this.config.failedAuthPerMinute) return;
    this.refuse('failed_auth', this.config.failedAuthPerMinute, used.msBeforeNext);
  }

  async authenticationFailed(ip: string): Promise<void> {
    const res = await this.failedAuth.penalty(ip);
    this.suspects.delete(ip); // re-inserted last: when the map is full, the least recent failure goes
    this.suspects.set(ip, Date.now() + res.msBeforeNext);
    if (this.suspects.size > MAX_SUSPECTS) this.suspects.delete(this.suspects.keys().next().value as string);
  }

  /** Counts one request of the caller: by key, or by address when there is none. */
  async admit(principal: Principal | null, ip: string): Promise<void> {
    if (!principal) return this.consume(this.anonymous, 'anonymous', ip, this.config.anonymousPerMinute);
    const counted = await this.perKey.count(principal.keyId);
    if (counted.refused) this.refuse('key', this.config.perKeyPerMinute, counted.msBeforeNext);
  }

  /** Writes the keys' last counts. */
  close(): Promise<void> {
    return this.perKey.close();
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
