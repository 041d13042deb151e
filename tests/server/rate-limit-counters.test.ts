// The rate limits' counters cost few round trips (issue 15): a key's requests are counted in the
// replica and written in batches, an address is checked for failed authentications only after it
// failed here. And they commit without waiting for the WAL flush (a counter is not a record),
// so the requests of one key do not queue one fsync at a time on its counter row; they still
// count in the shared table. The setting is a startup parameter beside the URL's role option: set
// by a query on 'connect' it raced the pool's first query on the new connection (pg's "already
// executing a query" deprecation, printed 39 times by a CI run).
import type { Pool } from 'pg';
import { APP_ROLE, asAppRole } from '../../src/db/roles';
import { RateLimits, rateLimitPool } from '../../src/server/rate-limits';
import type { Principal } from '../../src/services/principal';
import { TestStack, startTestStack } from '../helpers/stack';

let stack: TestStack;
let pool: Pool;

beforeAll(async () => {
  stack = await startTestStack();
  pool = rateLimitPool(asAppRole(stack.databaseUrl));
});
afterAll(async () => {
  await pool.end();
  await stack.close();
});

test("the counters' sessions commit asynchronously, and a key's requests are still counted and refused past the limit", async () => {
  const limits = new RateLimits(pool, { ...stack.config.rateLimits, perKeyPerMinute: 3 });
  const who = principal('00000000-0000-4000-8000-000000000001');
  for (let i = 0; i < 3; i++) await limits.admit(who, '127.0.0.1');
  await expect(limits.admit(who, '127.0.0.1')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  await limits.close(); // writes what the replica counted
  const sessions = await Promise.all([pool.connect(), pool.connect()]);
  try {
    for (const c of sessions) {
      expect((await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('off');
      expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe(APP_ROLE); // the URL's role option kept
    }
  } finally {
    for (const c of sessions) c.release();
  }
  const { rows } = await pool.query(`SELECT points FROM rate_limits WHERE key = $1`, [`key:${who.keyId}`]);
  expect(rows[0].points).toBe(3); // the refused request is not counted
});

function principal(keyId: string): Principal {
  return { role: 'ADMIN', keyId, partnerId: null, member: null, scopes: [], partnerStatus: 'APPROVED' } as unknown as Principal;
}

test("a working key's requests cost no round trip each: one for the key's first, then one per flush; every one is counted", async () => {
  const limits = new RateLimits(pool, { ...stack.config.rateLimits, perKeyPerMinute: 1000 });
  const who = principal('00000000-0000-4000-8000-000000000002');
  const query = jest.spyOn(pool, 'query');
  try {
    for (let i = 0; i < 100; i++) {
      await limits.beforeAuthentication('10.0.0.1');
      await limits.admit(who, '10.0.0.1');
    }
    await limits.close();
    // Was 200 (a failed-authentication look-up and a counter write per request). One flush every
    // 100 ms: a slow machine may need a few.
    expect(query.mock.calls.length).toBeLessThanOrEqual(6);
  } finally {
    query.mockRestore();
  }
  const { rows } = await pool.query(`SELECT points FROM rate_limits WHERE key = $1`, [`key:${who.keyId}`]);
  expect(rows[0].points).toBe(100);
});

test('an address that failed to authenticate is looked up from then on, and refused at the limit', async () => {
  const { failedAuthPerMinute } = stack.config.rateLimits;
  const limits = new RateLimits(pool, stack.config.rateLimits);
  for (let i = 0; i < failedAuthPerMinute; i++) {
    await limits.beforeAuthentication('10.0.0.9');
    await limits.authenticationFailed('10.0.0.9');
  }
  await expect(limits.beforeAuthentication('10.0.0.9')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  await expect(limits.beforeAuthentication('10.0.0.10')).resolves.toBeUndefined();
  await limits.close();
});

test("replicas share a key's allowance within a flush: what one counted, the other refuses", async () => {
  const a = new RateLimits(pool, { ...stack.config.rateLimits, perKeyPerMinute: 6 });
  const b = new RateLimits(pool, { ...stack.config.rateLimits, perKeyPerMinute: 6 });
  const who = principal('00000000-0000-4000-8000-000000000003');
  for (let i = 0; i < 3; i++) await a.admit(who, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 300)); // a's flush
  for (let i = 0; i < 3; i++) await b.admit(who, '127.0.0.1');
  await expect(b.admit(who, '127.0.0.1')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  await new Promise((r) => setTimeout(r, 300)); // b's flush: a learns the shared total at its next one
  await a.admit(who, '127.0.0.1').catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
  await expect(a.admit(who, '127.0.0.1')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  await Promise.all([a.close(), b.close()]);
});
