// Reads are audited off the chain's lock (src/audit/pending.ts): a read is answered once its entry
// is committed to audit_pending, whatever holds the chain; the chainer links it soon after; the
// app role cannot make a pending entry vanish; `audit verify` counts pending entries and names one
// the API did not write, before and after it is chained.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { AUDIT_LOCK } from '../../src/audit/log';
import { PendingAuditWriter } from '../../src/audit/pending';
import { asAppRole } from '../../src/db/roles';
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { REPO_ROOT, TestPartner, TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

const run = promisify(execFile);
let stack: TestStack;
let partner: TestPartner;
let owner: Client;
let orderId: string;

beforeAll(async () => {
  stack = await startTestStack();
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  partner = await createApprovedPartner(stack);
  const { placeOrder } = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: { modelId: CATALOG_MODEL.modelId, size: 2, mix: [{ birads: 2, count: 2 }] } }, partner.key);
  orderId = placeOrder.id;
  owner = new Client({ connectionString: stack.databaseUrl });
  await owner.connect();
});
afterAll(async () => {
  await owner.end();
  await stack.close();
});

function auditVerify(): Promise<{ code: number; out: string }> {
  const env = { ...process.env, DATABASE_URL: stack.databaseUrl, SYNTHBUS_DATA_DIR: stack.config.dataDir };
  return run(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'audit', 'verify'], { env }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );
}

/** Runs `body` while this test holds the chain's lock: nothing is chained meanwhile. */
async function withChainHeld<T>(body: () => Promise<T>): Promise<T> {
  await owner.query('SELECT pg_advisory_lock($1)', [AUDIT_LOCK]);
  try {
    return await body();
  } finally {
    await owner.query('SELECT pg_advisory_unlock($1)', [AUDIT_LOCK]);
  }
}

async function pendingCount(): Promise<number> {
  return (await owner.query('SELECT count(*)::int AS n FROM audit_pending')).rows[0].n;
}

/** Waits (no deadline: jest's timeout is the bound) until the chainer has taken every pending entry. */
async function chained(): Promise<void> {
  while ((await pendingCount()) > 0) await new Promise((r) => setTimeout(r, 20));
}

const READ = `query($id: ID!) { order(id: $id) { id status } orders(first: 10) { edges { node { id } } } }`;

test('a read is answered while the chain is locked, its entries already committed; the chainer links them afterwards', async () => {
  await chained();
  const [{ max: before }] = (await owner.query('SELECT COALESCE(max(seq), 0)::int AS max FROM audit_log')).rows;
  await withChainHeld(async () => {
    const r = await gqlOk(stack.url, READ, { id: orderId }, partner.key);
    expect(r.order.id).toBe(orderId);
    // Answered: so both entries are durable, though not chained.
    const { rows } = await owner.query(`SELECT entry->>'action' AS action, entry->>'targetId' AS target FROM audit_pending ORDER BY entry->>'action'`);
    expect(rows).toEqual([
      { action: 'order.list', target: orderId },
      { action: 'order.read', target: orderId },
    ]);
    const v = await auditVerify();
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/audit chain OK: \d+ entries, .*; 2 entries pending, not chained yet \(oldest at \S+\)/);
  });
  await chained();
  const { rows } = await owner.query('SELECT action, target_id, actor, pending_id FROM audit_log WHERE seq > $1 ORDER BY seq', [before]);
  expect(rows.map((r) => r.action).sort()).toEqual(['order.list', 'order.read']);
  for (const r of rows) {
    expect(r).toMatchObject({ target_id: orderId, actor: `partner:${partner.partnerId}` });
    expect(r.pending_id).toEqual(expect.any(String));
  }
  const v = await auditVerify();
  expect(v.code).toBe(0);
  expect(v.out).toMatch(/audit chain OK: .*entry MACs checked; no entries pending/);
});

test('writes that arrive while an INSERT is in flight share the next one; each resolves once its row is committed', async () => {
  await chained();
  const ds = stack.api.deps.ds;
  const writer = new PendingAuditWriter(ds);
  const spy = jest.spyOn(ds, 'query');
  try {
    await withChainHeld(async () => {
      const writes = Array.from({ length: 20 }, (_, i) => writer.write({ actor: 'admin', action: 'order.read', targetId: `t${i}` }));
      await Promise.all(writes);
      const inserts = spy.mock.calls.filter(([sql]) => String(sql).startsWith('INSERT INTO audit_pending'));
      // The first write goes at once; the 19 that came while it was in flight go together.
      expect(inserts.map(([, params]) => (params as unknown[]).length / 4)).toEqual([1, 19]);
      const { rows } = await owner.query(`SELECT count(*)::int AS n FROM audit_pending WHERE entry->>'targetId' LIKE 't%'`);
      expect(rows[0].n).toBe(20);
    });
  } finally {
    spy.mockRestore();
  }
  await chained();
});

test('the app role cannot delete or change a pending entry that is not chained', async () => {
  const app = new Client({ connectionString: asAppRole(stack.databaseUrl) });
  await app.connect();
  try {
    await withChainHeld(async () => {
      await gqlOk(stack.url, READ, { id: orderId }, partner.key);
      expect(await pendingCount()).toBe(2);
      await expect(app.query('DELETE FROM audit_pending')).rejects.toThrow(/audit_pending: DELETE refused/);
      await expect(app.query(`UPDATE audit_pending SET entry = '{}'`)).rejects.toThrow(/permission denied for table audit_pending/);
      await expect(app.query('TRUNCATE audit_pending')).rejects.toThrow(/permission denied|refused/);
      expect(await pendingCount()).toBe(2);
    });
  } finally {
    await app.end();
  }
  await chained();
});

test('a pending entry the app role inserted is named by audit verify, pending and once chained', async () => {
  await chained();
  const app = new Client({ connectionString: asAppRole(stack.databaseUrl) });
  await app.connect();
  const forged = { actor: 'admin', keyId: null, memberId: null, memberName: null, action: 'order.read', targetType: 'order', targetId: orderId, outcome: 'ok', detail: {} };
  try {
    await withChainHeld(async () => {
      await app.query(`INSERT INTO audit_pending (id, at, entry, mac) VALUES (gen_random_uuid(), now(), $1, NULL)`, [JSON.stringify(forged)]);
      const v = await auditVerify();
      expect(v.code).toBe(1);
      expect(v.out).toMatch(/audit log BROKEN: pending entry \S+ \(at \S+\) has no valid MAC: it was inserted into the database, not written by the API/);
    });
  } finally {
    await app.end();
  }
  await chained();
  const [{ seq, action, detail }] = (await owner.query(`SELECT seq, action, detail FROM audit_log ORDER BY seq DESC LIMIT 1`)).rows;
  expect(action).toBe('audit.unverified');
  expect(detail.entry).toEqual(forged);
  const v = await auditVerify();
  expect(v.code).toBe(1);
  expect(v.out).toContain(`audit chain BROKEN at seq ${seq}: no MAC: the entry was inserted into the database, not written by the API`);
});
