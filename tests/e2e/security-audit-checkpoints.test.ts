// Issue 11, finding 3 (b, c): the audit chain is checked against heads signed with a key the
// database never holds, so someone with full control of the database who edits, inserts, deletes
// or re-hashes rows (keeping the chain itself consistent) is caught by `audit verify`, which names
// the first bad row and counts the entries verified before it.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { entryHash } from '../../src/audit/chain';
import { REPO_ROOT, TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

const run = promisify(execFile);
let stack: TestStack;
let owner: Client;

beforeAll(async () => {
  stack = await startTestStack();
  await createApprovedPartner(stack);
  owner = new Client({ connectionString: stack.databaseUrl });
  await owner.connect();
});
afterAll(async () => {
  await owner.end();
  await stack.close();
});

let tampered = false;

/** Changes the log as a superuser can (append-only triggers off), keeping a copy to undo it. */
async function rewrite(change: () => Promise<void>): Promise<void> {
  await owner.query('DROP TABLE IF EXISTS audit_backup');
  await owner.query('CREATE TABLE audit_backup AS SELECT * FROM audit_log');
  tampered = true;
  await owner.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
  try {
    await change();
  } finally {
    await owner.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
  }
}

/** Puts the log back as it was before the scenario's change. */
afterEach(async () => {
  if (!tampered) return;
  tampered = false;
  await owner.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
  await owner.query('DELETE FROM audit_log');
  await owner.query('INSERT INTO audit_log SELECT * FROM audit_backup');
  await owner.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
});

interface Row {
  seq: string;
  at: Date;
  actor: string;
  key_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  detail: Record<string, unknown>;
  prev_hash: string;
}

/** Recomputes every hash from `fromSeq` on, as a forger with the database would: a consistent chain. */
async function rehashFrom(fromSeq: number): Promise<void> {
  const { rows } = await owner.query<Row>('SELECT * FROM audit_log ORDER BY seq');
  let prev = rows.find((r) => Number(r.seq) === fromSeq - 1) as (Row & { hash: string }) | undefined;
  for (const r of rows.filter((x) => Number(x.seq) >= fromSeq)) {
    const fields = { seq: Number(r.seq), at: r.at, actor: r.actor, keyId: r.key_id, action: r.action, targetType: r.target_type, targetId: r.target_id, outcome: r.outcome, detail: r.detail, prevHash: prev ? prev.hash : '0'.repeat(64) };
    const hash = entryHash(fields);
    await owner.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [r.seq, fields.prevHash, hash]);
    prev = { ...r, prev_hash: fields.prevHash, hash };
  }
}

/** Signs the head, lets `change` rewrite the log consistently, and checks verify names a signed range holding `seq`. */
async function expectRewriteCaught(seq: number, change: () => Promise<void>): Promise<void> {
  await signHead();
  await rewrite(async () => {
    await change();
    await rehashFrom(seq);
  });
  const v = await auditVerify();
  expect(v.code).toBe(1);
  const [from, to] = mismatchedRange(v.out);
  expect(from).toBeLessThanOrEqual(seq);
  expect(to).toBeGreaterThanOrEqual(seq);
}

/** The signed range that `verify` says no longer matches. */
function mismatchedRange(out: string): [number, number] {
  const m = /BROKEN at seq (\d+): the chain does not match the head signed at \S+ for seq (\d+): an entry from seq (\d+) to (\d+) was inserted, edited, deleted or re-hashed \((\d+) entries verified before it\)/.exec(out);
  if (!m) throw new Error(`unexpected verify output: ${out}`);
  expect(Number(m[1])).toBe(Number(m[3]));
  expect(Number(m[5])).toBe(Number(m[1]) - 1);
  return [Number(m[3]), Number(m[4])];
}

function auditVerify(): Promise<{ code: number; out: string }> {
  const env = { ...process.env, DATABASE_URL: stack.databaseUrl, SYNTHBUS_DATA_DIR: stack.config.dataDir };
  return run(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'audit', 'verify'], { env }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );
}

async function signHead(): Promise<{ seq: number; hash: string }> {
  const { signAuditCheckpoint } = await gqlOk(stack.url, 'mutation { signAuditCheckpoint { seq hash signedAt keyId signature } }', {}, stack.adminKey);
  return signAuditCheckpoint;
}

test('a signed head is exported to a file and the admin query, and verifies with the public key', async () => {
  const head = await signHead();
  const { auditCheckpoints, auditCheckpointPublicKey } = await gqlOk(stack.url, '{ auditCheckpoints(first: 1) { seq hash signedAt keyId signature } auditCheckpointPublicKey }', {}, stack.adminKey);
  expect(auditCheckpoints[0]).toMatchObject(head);
  const lines = (await fs.readFile(path.join(stack.config.dataDir, 'audit-checkpoints.jsonl'), 'utf8')).trim().split('\n');
  expect(JSON.parse(lines[lines.length - 1])).toEqual(auditCheckpoints[0]);
  expect(auditCheckpointPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  // The key is a file of the API's host (0600), and no row of the database holds it.
  const keyFile = path.join(stack.config.dataDir, 'audit-checkpoint-key.pem');
  expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
  const keyBody = (await fs.readFile(keyFile, 'utf8')).split('\n')[1];
  const { rows } = await owner.query(
    `SELECT count(*)::int AS n FROM (SELECT row_to_json(c)::text AS t FROM audit_checkpoints c UNION ALL SELECT row_to_json(a)::text FROM audit_log a) x WHERE strpos(t, $1) > 0`,
    [keyBody],
  );
  expect(rows[0].n).toBe(0);
  const v = await auditVerify();
  expect(v.code).toBe(0);
  expect(v.out).toMatch(new RegExp(`audit chain OK: \\d+ entries, head [0-9a-f]{64}; signed head seq ${head.seq} `));
});

test('an edited row, the whole chain re-hashed after it, is caught by the signed head', () =>
  expectRewriteCaught(3, async () => {
    await owner.query(`UPDATE audit_log SET actor = 'forged' WHERE seq = 3`);
  }));

test('a forged row inserted in the middle (later rows renumbered and re-hashed) is caught', () =>
  expectRewriteCaught(4, async () => {
    await owner.query('UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 4');
    await owner.query('UPDATE audit_log SET seq = seq - 1000000 + 1 WHERE seq >= 1000000');
    await owner.query(`INSERT INTO audit_log (seq, at, actor, action, outcome, detail, prev_hash, hash) VALUES (4, now(), 'admin', 'mutation.approvePartner', 'ok', '{}', '', 'x')`);
  }));

test('deleted rows at the end of the signed range are caught', async () => {
  const head = await signHead();
  await rewrite(() => owner.query('DELETE FROM audit_log WHERE seq > $1', [head.seq - 2]).then(() => undefined));
  const v = await auditVerify();
  expect(v.code).toBe(1);
  expect(v.out).toContain(`audit chain BROKEN at seq ${head.seq - 1}: the chain ends at seq ${head.seq - 2} but a head was signed at`);
});

test('a row edited without re-hashing is named, with the entries before it counted', async () => {
  await rewrite(() => owner.query(`UPDATE audit_log SET outcome = 'denied' WHERE seq = 5`).then(() => undefined));
  const v = await auditVerify();
  expect(v.code).toBe(1);
  expect(v.out).toContain('audit chain BROKEN at seq 5: hash does not match the entry contents (4 entries verified before it)');
});

test('a checkpoint line forged without the key is ignored, not trusted', async () => {
  const file = path.join(stack.config.dataDir, 'audit-checkpoints.jsonl');
  const before = await fs.readFile(file, 'utf8');
  const last = JSON.parse(before.trim().split('\n').pop() as string);
  await fs.appendFile(file, `${JSON.stringify({ ...last, seq: last.seq + 50, hash: 'f'.repeat(64) })}\n`);
  try {
    const v = await auditVerify();
    expect(v.code).toBe(0);
  } finally {
    await fs.writeFile(file, before);
  }
});
