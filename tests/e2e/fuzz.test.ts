// Issue 11: 1,300 generated malformed requests (fast-check, fixed seed) against a real server over
// HTTP and WebSocket: random and mangled documents, wrong types, huge numbers, odd Unicode, broken
// JSON, wrong content types, bad keys, protocol-breaking frames. None may answer HTTP 500, crash
// the server or come back without a code; the server must still answer afterwards.
import fc from 'fast-check';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

const SEED = 20261126;
const HTTP_RUNS = 1000;
const WS_RUNS = 200;
const RAW_FRAME_RUNS = 100;

let stack: TestStack;
let keys: string[];

beforeAll(async () => {
  // Limits high enough that the fuzz reaches the parser and resolvers, not only the rate limiter.
  stack = await startTestStack({ config: { rateLimits: { perKeyPerMinute: 100_000, anonymousPerMinute: 100_000, failedAuthPerMinute: 100_000 } } });
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  const partner = await createApprovedPartner(stack, 'Fuzz Lab');
  keys = [partner.key, partner.accountKey, stack.adminKey];
});
afterAll(() => stack.close());

// Operations of the real schema whose variables the fuzz fills with anything.
const OPERATIONS: { query: string; vars: string[] }[] = [
  { query: 'query($id: ID!) { order(id: $id) { id status images(first: 2) { edges { cursor } } certificate { id } } }', vars: ['id'] },
  { query: 'query($f: Int, $a: String, $s: [OrderStatus!], $m: String, $t: DateTime) { orders(first: $f, after: $a, filter: { status: $s, modelId: $m, createdAfter: $t }) { edges { cursor } } }', vars: ['f', 'a', 's', 'm', 't'] },
  { query: 'mutation($i: ApplyInput!) { apply(input: $i) { partner { id } } }', vars: ['i'] },
  { query: 'query($i: OrderInput!) { quote(input: $i) { size } }', vars: ['i'] },
  { query: 'mutation($i: OrderInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { id } }', vars: ['i', 'k'] },
  { query: 'mutation($n: String!, $s: [Scope!]!) { issueApiKey(name: $n, scopes: $s) { key { id } } }', vars: ['n', 's'] },
  { query: 'query($f: Int, $a: String) { auditLog(first: $f, after: $a) { edges { cursor } } }', vars: ['f', 'a'] },
  { query: 'mutation($id: ID!, $r: String!) { suspendPartner(id: $id, reason: $r) { id } }', vars: ['id', 'r'] },
  { query: 'mutation($id: ID!, $f: ArchiveFormat!) { createDownloadLink(orderId: $id, format: $f) { url } }', vars: ['id', 'f'] },
  { query: 'mutation($v: Int!) { acceptAgreement(version: $v) { agreementVersion } }', vars: ['v'] },
  { query: 'subscription($id: ID!) { orderProgress(orderId: $id) { type } }', vars: ['id'] },
  { query: 'mutation($i: AddMemberInput!) { addMember(input: $i) { id } }', vars: ['i'] },
  { query: 'mutation($id: ID!, $r: MemberRole!) { changeMemberRole(id: $id, role: $r) { id } }', vars: ['id', 'r'] },
  { query: 'mutation($id: ID!) { removeMember(id: $id) { id } }', vars: ['id'] },
  { query: 'mutation($n: String!, $s: [Scope!]!, $m: ID) { issueApiKey(name: $n, scopes: $s, memberId: $m) { key { id } } }', vars: ['n', 's', 'm'] },
];

const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\u202e\u0007', '🩻'.repeat(300), 'x'.repeat(5000), '"><svg>@b.co', "' OR 1=1 --", '../../etc/passwd', '', ' '),
  fc.uuid(),
  fc.constantFrom('eyJ4Ijox', Buffer.from('[1e308]').toString('base64url'), Buffer.from('["+275760-09-13T00:00:00.000Z","00000000-0000-4000-8000-000000000000"]').toString('base64url')),
);
const oddNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e308, -1e308, 2 ** 53, 2 ** 31, -(2 ** 31) - 1, -1, 0, 1e-320, 1e21));
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    oddNumber,
    oddString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('name', 'institution', 'contactEmail', 'purpose', 'modelId', 'size', 'mix', 'birads', 'count', 'fraction', 'seed', 'steps', 'guidance', 'x'), tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** A document: a real operation, mangled at a few places, or random text. */
const document = fc.oneof(
  { arbitrary: fc.constantFrom(...OPERATIONS.map((o) => o.query)), weight: 5 },
  fc.tuple(fc.constantFrom(...OPERATIONS.map((o) => o.query)), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5 }), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 3 })).map(([q, edits]) =>
    edits.reduce((s, [at, cut, put]) => s.slice(0, at % (s.length + 1)) + put + s.slice((at % (s.length + 1)) + cut), q),
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('{ __schema { types { name } } }', '{ a: __typename b: __typename }', `{ ${'me { id } '.repeat(30)} }`, 'query { '.repeat(50), '{ orders(first: 1e400) { totalCount } }'),
);

const variables = fc.oneof(
  { arbitrary: fc.dictionary(fc.constantFrom('id', 'f', 'a', 's', 'm', 't', 'i', 'k', 'n', 'r', 'v'), anyJson, { minKeys: 1, maxKeys: 5 }), weight: 6 },
  anyJson,
);

// Mostly a working key, so that most requests get past authentication to the parser and resolvers.
const authorization = fc.oneof(
  fc.constant(undefined),
  { arbitrary: fc.nat({ max: 2 }).map((i) => `Bearer ${keys[i]}`), weight: 6 },
  oddString.map((s) => `Bearer ${s}`),
  fc.constantFrom('Basic dXNlcjpwYXNz', 'Bearer', 'Bearer sbk_', `Bearer ${'sbk_'.padEnd(9000, 'a')}`),
);

type Wire = 'json' | 'broken-json' | 'text/plain' | 'form' | 'no-content-type' | 'get' | 'json-array' | 'oversized';
const httpRequest = fc.record({
  query: document,
  variables,
  authorization,
  wire: fc.oneof({ arbitrary: fc.constant<Wire>('json'), weight: 12 }, fc.constantFrom<Wire>('broken-json', 'text/plain', 'form', 'no-content-type', 'get', 'json-array', 'oversized')),
  cut: fc.nat(),
});

type HttpRequest = typeof httpRequest extends fc.Arbitrary<infer T> ? T : never;

async function send(r: HttpRequest): Promise<Response> {
  const headers: Record<string, string> = {};
  // Header values are bytes: odd Unicode goes out as its raw UTF-8, less what HTTP cannot carry.
  if (r.authorization) headers.authorization = Buffer.from(r.authorization, 'utf8').toString('latin1').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
  const body = JSON.stringify({ query: r.query, variables: r.variables });
  if (r.wire === 'get') {
    headers['apollo-require-preflight'] = 'true';
    return fetch(`${stack.url}?query=${encodeURIComponent(r.query)}&variables=${encodeURIComponent(JSON.stringify(r.variables) ?? '')}`, { headers });
  }
  const wire: Record<Exclude<Wire, 'get'>, [string | null, string]> = {
    json: ['application/json', body],
    'broken-json': ['application/json', body.slice(0, r.cut % body.length)],
    'text/plain': ['text/plain', body],
    form: ['application/x-www-form-urlencoded', `query=${encodeURIComponent(r.query)}`],
    'no-content-type': [null, body],
    'json-array': ['application/json', JSON.stringify([{ query: r.query }, { query: r.query }])],
    oversized: ['application/json', JSON.stringify({ query: r.query, variables: { pad: 'x'.repeat(200_000) } })],
  };
  const [type, payload] = wire[r.wire];
  if (type) headers['content-type'] = type;
  return fetch(stack.url, { method: 'POST', headers, body: payload });
}

/** Why an answer is not acceptable: a 5xx, a body that is not GraphQL JSON, an uncoded or internal error. */
function problemWith(o: { status: number; body: string }): string | null {
  if (o.status >= 500) return `HTTP ${o.status}`;
  let parsed: { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
  try {
    parsed = JSON.parse(o.body);
  } catch {
    return `not JSON: ${o.body.slice(0, 80)}`;
  }
  if (!parsed.errors) return parsed.data ? null : 'neither data nor errors';
  const codes = parsed.errors.map((e) => e.extensions?.code);
  if (codes.some((c) => typeof c !== 'string')) return `an error without a code: ${o.body.slice(0, 200)}`;
  if (codes.includes('INTERNAL_SERVER_ERROR')) return `internal error: ${o.body.slice(0, 200)}`;
  return null;
}

function codesOf(body: string): string[] {
  try {
    return ((JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] }).errors ?? []).map((e) => String(e.extensions?.code));
  } catch {
    return [];
  }
}

test(`${HTTP_RUNS} malformed HTTP requests: no 500, every error coded, the server still answers`, async () => {
  const requests = fc.sample(httpRequest, { seed: SEED, numRuns: HTTP_RUNS });
  const problems: string[] = [];
  const byStatus = new Map<number, number>();
  const byCode = new Map<string, number>();
  let coded = 0;
  for (const r of requests) {
    const res = await send(r);
    const body = await res.text();
    byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
    const codes = codesOf(body);
    if (codes.length) coded++;
    for (const c of codes) byCode.set(c, (byCode.get(c) ?? 0) + 1);
    const p = problemWith({ status: res.status, body });
    if (p) problems.push(`${p}\n  request: ${JSON.stringify(r).slice(0, 300)}`);
  }
  if (problems.length) process.stdout.write(`fuzz HTTP problems:\n${problems.join('\n')}\n`);
  process.stdout.write(`fuzz HTTP: ${requests.length} requests, ${coded} answered with coded errors, ${requests.length - coded} with data; statuses ${JSON.stringify(Object.fromEntries(byStatus))}; codes ${JSON.stringify(Object.fromEntries(byCode))}\n`);
  expect(problems).toEqual([]);
  expect(coded).toBeGreaterThan(requests.length * 0.8);
  expect((await gqlOk(stack.url, '{ currentAgreement { version } }')).currentAgreement.version).toBeGreaterThan(0);
});

test(`${WS_RUNS} malformed operations over one WebSocket and ${RAW_FRAME_RUNS} protocol-breaking frames: every answer coded, no crash`, async () => {
  const ops = fc.sample(fc.record({ query: document, variables: fc.dictionary(fc.constantFrom('id', 'f', 'a', 's', 'i', 'k', 'n', 'r', 'v'), anyJson, { maxKeys: 4 }) }), { seed: SEED + 1, numRuns: WS_RUNS });
  const client = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${keys[0]}` }, retryAttempts: 0, lazy: true });
  const problems: string[] = [];
  let coded = 0;
  for (const op of ops) {
    const answer = await new Promise<string>((resolve) => {
      let dispose = (): void => undefined;
      const timer = setTimeout(() => {
        dispose();
        resolve('{"timeout":true}');
      }, 3000);
      dispose = client.subscribe(op, {
        // A subscription that streams (a real order) is an answer too: take its first event.
        next: (r) => {
          clearTimeout(timer);
          dispose();
          resolve(JSON.stringify(r));
        },
        error: (e) => {
          clearTimeout(timer);
          resolve(JSON.stringify(Array.isArray(e) ? { errors: e } : { closed: (e as { code?: number }).code ?? String(e) }));
        },
        complete: () => {
          clearTimeout(timer);
          resolve('{"data":{}}');
        },
      });
    });
    if (codesOf(answer).length) coded++;
    const p = problemWith({ status: 200, body: answer });
    if (p) problems.push(`${p}\n  op: ${JSON.stringify(op).slice(0, 300)}`);
  }
  await client.dispose();

  // Frames that break the protocol: the server closes that socket with a 44xx code, never 1011/4500.
  const frames = fc.sample(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 50 }),
      anyJson.map((v) => JSON.stringify(v) ?? 'null'),
      fc.record({ type: fc.constantFrom('subscribe', 'ping', 'complete', 'connection_init', 'next', 'bogus'), id: fc.oneof(fc.string(), fc.constant(undefined), oddNumber), payload: anyJson }).map((m) => JSON.stringify(m)),
    ),
    { seed: SEED + 2, numRuns: RAW_FRAME_RUNS },
  );
  const closes = new Map<number, number>();
  for (const frame of frames) {
    const code = await new Promise<number>((resolve) => {
      const ws = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
      const timer = setTimeout(() => ws.terminate(), 2000);
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
        ws.send(frame);
        // A frame the server accepts gets no close: say goodbye after it had time to answer.
        setTimeout(() => ws.close(1000), 300);
      });
      ws.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
      ws.on('error', () => undefined);
    });
    closes.set(code, (closes.get(code) ?? 0) + 1);
    if (![1000, 4400, 4401, 4403, 4408, 4409, 4429].includes(code)) problems.push(`frame closed with ${code}: ${frame.slice(0, 200)}`);
  }
  process.stdout.write(`fuzz WebSocket: ${ops.length} operations, ${coded} answered with coded errors; ${frames.length} raw frames, close codes ${JSON.stringify(Object.fromEntries(closes))}\n`);
  if (problems.length) process.stdout.write(`fuzz WebSocket problems:\n${problems.join('\n')}\n`);
  expect(problems).toEqual([]);
  expect(coded).toBeGreaterThan(ops.length * 0.8);
  // Still serving on both transports.
  expect((await gqlOk(stack.url, '{ currentAgreement { version } }')).currentAgreement.version).toBeGreaterThan(0);
  const again = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  const version = await new Promise<unknown>((resolve, reject) => again.subscribe({ query: '{ currentAgreement { version } }' }, { next: (r) => resolve(r.data), error: reject, complete: () => undefined }));
  expect(version).toEqual({ currentAgreement: { version: expect.any(Number) } });
  await again.dispose();
});
