// The audit log: append-only for the app's role, hash-chained, verifiable by `audit verify`.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { asAppRole } from '../../src/db/roles';
import { REPO_ROOT, TestStack, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

const run = promisify(execFile);
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

function auditVerify(): Promise<{ code: number; out: string }> {
  return run(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'audit', 'verify'], { env: { ...process.env, DATABASE_URL: stack.databaseUrl, SYNTHBUS_DATA_DIR: stack.config.dataDir } }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );
}

test('mutations, reads and failed authentications are chained in the log, and the chain verifies', async () => {
  const partner = await createApprovedPartner(stack);
  const bad = await gql(stack.url, '{ me { id } }', {}, 'sbk_not-a-real-key');
  expect(bad.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

  const { auditLog } = await gqlOk(stack.url, `{ auditLog(first: 100) { edges { node { seq action actor outcome targetId prevHash hash } } } }`, {}, stack.adminKey);
  const entries = auditLog.edges.map((e: { node: Record<string, unknown> }) => e.node);
  const actions = entries.map((e: { action: string }) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['mutation.apply', 'mutation.approvePartner', 'mutation.acceptAgreement', 'mutation.issueApiKey', 'auth.failed']));
  const approve = entries.find((e: { action: string }) => e.action === 'mutation.approvePartner');
  expect(approve).toMatchObject({ actor: 'admin', outcome: 'ok', targetId: partner.partnerId });
  for (let i = 1; i < entries.length; i++) expect(entries[i].prevHash).toBe(entries[i - 1].hash);

  const filtered = await gqlOk(stack.url, `{ auditLog(filter: { action: "auth.failed" }) { edges { node { outcome detail } } } }`, {}, stack.adminKey);
  expect(filtered.auditLog.edges).toHaveLength(1);
  expect(JSON.stringify(filtered.auditLog.edges[0].node.detail)).not.toContain('not-a-real-key');

  const denied = await gql(stack.url, `{ auditLog { edges { node { seq } } } }`, {}, partner.key);
  expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');

  const v = await auditVerify();
  expect(v.code).toBe(0);
  expect(v.out).toMatch(/audit chain OK: \d+ entries/);
});

test("the app's database role cannot UPDATE or DELETE audit rows", async () => {
  const app = await connect(asAppRole(stack.databaseUrl));
  try {
    const { rows } = await app.query('SELECT current_user AS who, count(*)::int AS n FROM audit_log');
    expect(rows[0].who).toBe('synthbus_app');
    expect(rows[0].n).toBeGreaterThan(0);
    await expect(app.query(`UPDATE audit_log SET actor = 'someone else' WHERE seq = 1`)).rejects.toThrow(/permission denied for table audit_log/);
    await expect(app.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/permission denied for table audit_log/);
    await expect(app.query('TRUNCATE audit_log')).rejects.toThrow(/permission denied for table audit_log/);
  } finally {
    await app.end();
  }
  // Even the owner is stopped by the trigger.
  const owner = await connect(stack.databaseUrl);
  try {
    await expect(owner.query(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(owner.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
  } finally {
    await owner.end();
  }
});

test('audit verify names the first entry that was tampered with', async () => {
  const owner = await connect(stack.databaseUrl);
  try {
    // Only a superuser who deliberately disables the trigger can rewrite history; verify catches it.
    await owner.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await owner.query(`UPDATE audit_log SET actor = 'forged' WHERE seq = 2`);
    await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  } finally {
    await owner.end();
  }
  const v = await auditVerify();
  expect(v.code).toBe(1);
  expect(v.out).toContain('audit chain BROKEN at seq 2: hash does not match the entry contents');
});

test('with a dedicated app login, even RESET ROLE leaves only the app role’s rights', async () => {
  const login = `synthbus_login_${Math.random().toString(36).slice(2, 8)}`;
  const owner = await connect(stack.databaseUrl);
  await owner.query(`CREATE ROLE ${login} LOGIN PASSWORD 'login-pass' IN ROLE synthbus_app`);
  await owner.end();
  const url = new URL(stack.databaseUrl);
  url.username = login;
  url.password = 'login-pass';
  const app = await connect(asAppRole(url.toString()));
  try {
    await app.query('RESET ROLE');
    expect((await app.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBeGreaterThanOrEqual(0);
    await expect(app.query(`DELETE FROM audit_log WHERE seq = 1`)).rejects.toThrow(/permission denied for table audit_log/);
  } finally {
    await app.end();
  }
});
