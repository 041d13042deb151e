// The rate limits' counters commit without waiting for the WAL flush (a counter is not a record),
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
  const who = { role: 'ADMIN', keyId: '00000000-0000-4000-8000-000000000001', partnerId: null, member: null, scopes: [], partnerStatus: 'APPROVED' } as unknown as Principal;
  for (let i = 0; i < 3; i++) await limits.admit(who, '127.0.0.1');
  await expect(limits.admit(who, '127.0.0.1')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
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
  expect(rows[0].points).toBe(4);
});
