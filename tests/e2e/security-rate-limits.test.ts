// Issue 11, finding 5: rate limits per API key and per client address, counted in PostgreSQL so
// that API replicas share them; a refusal is HTTP 429 with RateLimit and Retry-After headers and
// code RATE_LIMITED, and costs no audit row.
import { Client } from 'pg';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ApiHandle, startApi } from '../../src/server/app';
import { TestStack, createApprovedPartner, startTestStack } from '../helpers/stack';

let stack: TestStack;
let owner: Client;

beforeAll(async () => {
  stack = await startTestStack(); // the default limits of config.ts
  owner = new Client({ connectionString: stack.databaseUrl });
  await owner.connect();
});
afterAll(async () => {
  await owner.end();
  await stack.close();
});
/** Each scenario starts with fresh counters. */
beforeEach(() => owner.query('DELETE FROM rate_limits'));

async function post(url: string, query: string, variables: Record<string, unknown> = {}, key?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  return fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
}

async function auditCount(action: string): Promise<number> {
  const { rows } = await owner.query('SELECT count(*)::int AS n FROM audit_log WHERE action = $1', [action]);
  return rows[0].n;
}

test('200 bad keys and 30 anonymous apply calls in a row: only the allowance is served and audited, the rest get 429', async () => {
  const { anonymousPerMinute, failedAuthPerMinute } = stack.config.rateLimits;
  const failedBefore = await auditCount('auth.failed');
  const badKeys: number[] = [];
  for (let i = 0; i < 200; i++) badKeys.push((await post(stack.url, '{ me { id } }', {}, `sbk_guess${i}`)).status);
  const applyBefore = await auditCount('mutation.apply');
  const applies: number[] = [];
  let refused: Response | null = null;
  for (let i = 0; i < 30; i++) {
    const res = await post(stack.url, `mutation($i: ApplyInput!) { apply(input: $i) { partner { id } } }`, {
      i: { name: `Spam ${i}`, institution: 'Spam', contactEmail: 'spam@example.org', purpose: 'spam' },
    });
    applies.push(res.status);
    if (res.status === 429 && !refused) refused = res;
  }
  const audited = (await auditCount('auth.failed')) - failedBefore + (await auditCount('mutation.apply')) - applyBefore;
  process.stdout.write(
    `rate limits: bad keys ${badKeys.filter((s) => s === 401).length} answered 401, ${badKeys.filter((s) => s === 429).length} answered 429; ` +
      `apply ${applies.filter((s) => s === 200).length} served, ${applies.filter((s) => s === 429).length} answered 429; audit rows ${audited} (was 230)\n`,
  );
  expect(badKeys.filter((s) => s === 401)).toHaveLength(failedAuthPerMinute);
  expect(badKeys.filter((s) => s === 429)).toHaveLength(200 - failedAuthPerMinute);
  expect(applies.filter((s) => s === 200)).toHaveLength(anonymousPerMinute);
  expect(applies.filter((s) => s === 429)).toHaveLength(30 - anonymousPerMinute);
  expect(audited).toBe(failedAuthPerMinute + anonymousPerMinute);

  const r = refused as Response;
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(r.headers.get('ratelimit-policy')).toBe(`${anonymousPerMinute};w=60`);
  expect(r.headers.get('ratelimit')).toBe(`limit=${anonymousPerMinute}, remaining=0, reset=${retryAfter}`);
  const body = (await r.json()) as { errors: { extensions: Record<string, unknown> }[] };
  expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter });
});

test('a key has its own allowance, shared by every API replica through PostgreSQL (within 100 ms), over HTTP and WebSocket', async () => {
  await owner.query('DELETE FROM rate_limits');
  const partner = await createApprovedPartner(stack, 'Busy Lab');
  await owner.query('DELETE FROM rate_limits');
  const replica: ApiHandle = await startApi({ ...stack.config, port: 0, rateLimits: { ...stack.config.rateLimits, perKeyPerMinute: 6 } }, stack.databaseUrl);
  try {
    // Each replica counts into the same row: 3 here and 3 there use up an allowance of 6. A replica
    // writes its counts every 100 ms (server/key-counter.ts): the other sees them after that.
    for (let i = 0; i < 3; i++) expect((await post(stack.url, '{ me { id } }', {}, partner.key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 3; i++) expect((await post(replica.url, '{ me { id } }', {}, partner.key)).status).toBe(200);
    const refused = await post(replica.url, '{ me { id } }', {}, partner.key);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('RATE_LIMITED');
    // Over WebSocket the refusal is a coded error message, and the socket is refused at connect.
    const client = createClient({ url: replica.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${partner.key}` }, retryAttempts: 0, lazy: true });
    const outcome = await new Promise<unknown>((resolve) => client.subscribe({ query: '{ me { id } }' }, { next: resolve, error: resolve, complete: () => undefined }));
    expect((outcome as { code?: number }).code).toBe(4403);
    await client.dispose();
    // Another key is not affected.
    expect((await post(replica.url, '{ currentAgreement { version } }', {}, stack.adminKey)).status).toBe(200);
  } finally {
    await replica.close();
  }
});
