// The rate limits' counters commit without waiting for the WAL flush (a counter is not a record),
// so the requests of one key do not queue one fsync at a time on its counter row; they still
// count in the shared table.
import { Pool } from 'pg';
import { asAppRole } from '../../src/db/roles';
import { RateLimits } from '../../src/server/rate-limits';
import type { Principal } from '../../src/services/principal';
import { TestStack, startTestStack } from '../helpers/stack';

let stack: TestStack;
let pool: Pool;

beforeAll(async () => {
  stack = await startTestStack();
  pool = new Pool({ connectionString: asAppRole(stack.databaseUrl), max: 2 });
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
    for (const c of sessions) expect((await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('off');
  } finally {
    for (const c of sessions) c.release();
  }
  const { rows } = await pool.query(`SELECT points FROM rate_limits WHERE key = $1`, [`key:${who.keyId}`]);
  expect(rows[0].points).toBe(4);
});
