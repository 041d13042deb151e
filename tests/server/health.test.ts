// /healthz and /readyz over real HTTP: ready when PostgreSQL answers and every migration is
// applied; 503 with Retry-After, naming the problem, while either is not; ready again by itself.
import { Client } from 'pg';
import { cutDatabase } from '../helpers/db-outage';
import { TestStack, startTestStack } from '../helpers/stack';

let stack: TestStack;
let origin: string;

beforeAll(async () => {
  stack = await startTestStack();
  origin = new URL(stack.url).origin;
});
afterAll(() => stack.close());

async function probe(path: string): Promise<{ status: number; retryAfter: string | null; body: { status: string; checks?: Record<string, string> } }> {
  const r = await fetch(`${origin}${path}`);
  return { status: r.status, retryAfter: r.headers.get('retry-after'), body: (await r.json()) as { status: string; checks?: Record<string, string> } };
}

test('live and ready when the database answers and the migrations are applied', async () => {
  expect(await probe('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  expect(await probe('/readyz')).toMatchObject({ status: 200, retryAfter: null, body: { status: 'ready', checks: { database: 'ok', migrations: 'ok' } } });
});

test('not ready while a migration this code knows is not applied, naming it', async () => {
  const owner = new Client({ connectionString: stack.databaseUrl });
  await owner.connect();
  try {
    const [row] = (await owner.query('DELETE FROM migrations WHERE timestamp = (SELECT max(timestamp) FROM migrations) RETURNING *')).rows as Record<string, unknown>[];
    try {
      const r = await probe('/readyz');
      expect(r).toMatchObject({ status: 503, retryAfter: '5', body: { status: 'not ready', checks: { database: 'ok' } } });
      expect(r.body.checks?.migrations).toBe(`not applied: ${row.timestamp} (run the migrations)`);
    } finally {
      await owner.query('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [row.id, row.timestamp, row.name]);
    }
  } finally {
    await owner.end();
  }
  expect((await probe('/readyz')).status).toBe(200);
});

test('not ready while PostgreSQL is unreachable, still live, and ready again once it is back', async () => {
  const outage = await cutDatabase(stack.databaseUrl);
  try {
    const during = await probe('/readyz');
    expect(during).toMatchObject({ status: 503, retryAfter: '5', body: { status: 'not ready' } });
    expect(during.body.checks?.database).toMatch(/^unreachable: /);
    expect(await probe('/healthz')).toMatchObject({ status: 200 });
  } finally {
    await outage.restore();
  }
  let after = await probe('/readyz');
  for (let i = 0; i < 50 && after.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await probe('/readyz');
  }
  expect(after).toMatchObject({ status: 200, body: { status: 'ready' } });
});
