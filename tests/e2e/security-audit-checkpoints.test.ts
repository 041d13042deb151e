// Issue 11, finding 3 (b, c): the audit chain is checked against heads signed with a key the
// database never holds, and each entry against its MAC under that key, so someone with full
// control of the database who edits, inserts, deletes or re-hashes rows (keeping the chain itself
// consistent), or the app role appending a forged entry, is caught by `audit verify`, which names
// the first bad row and counts the entries verified before it.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { entryHash } from '../../src/audit/chain';
import { asAppRole } from '../../src/db/roles';
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

/** Keeps a copy of the log, put back after the test. */
async function snapshot(): Promise<void> {
  await owner.query('DROP TABLE IF EXISTS audit_backup');
  await owner.query('CREATE TABLE audit_backup AS SELECT * FROM audit_log');
  tampered = true;
}

/** Changes the log as a superuser can: with the append-only triggers off. */
async function withTriggersOff(change: () => Promise<void>): Promise<void> {
  await owner.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
  try {
    await change();
  } finally {
    await owner.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
  }
}

/** A superuser's change to the log, undone after the test. */
async function rewrite(change: () => Promise<void>): Promise<void> {
  await snapshot();
  await withTriggersOff(change);
}

/** Puts the log back as it was before the scenario's change. */
afterEach(async () => {
  if (!tampered) return;
  tampered = false;
  await withTriggersOff(async () => {
    await owner.query('DELETE FROM audit_log');
    await owner.query('INSERT INTO audit_log SELECT * FROM audit_backup');
  });
});

interface Row {
  seq: string;
  at: Date;
  actor: string;
  key_id: string | null;
  member_id: string | null;
  member_name: string | null;
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
    const fields = { seq: Number(r.seq), at: r.at, actor: r.actor, keyId: r.key_id, memberId: r.member_id, memberName: r.member_name, action: r.action, targetType: r.target_type, targetId: r.target_id, outcome: r.outcome, detail: r.detail, prevHash: prev ? prev.hash : '0'.repeat(64) };
    const hash = entryHash(fields);
    await owner.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [r.seq, fields.prevHash, hash]);
    prev = { ...r, prev_hash: fields.prevHash, hash };
  }
}

/** Signs the head, then rewrites the log from `seq` on, re-hashing the chain so that it stays consistent. */
async function rewriteConsistently(seq: number, change: () => Promise<void>): Promise<{ code: number; out: string }> {
  await signHead();
  await rewrite(async () => {
    await change();
    await rehashFrom(seq);
  });
  return auditVerify();
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
  expect(v.out).toMatch(new RegExp(`audit chain OK: \\d+ entries, head [0-9a-f]{64}; signed head seq ${head.seq} .*; entry MACs checked`));
});

test('an edited row, the whole chain re-hashed after it, is named: its MAC no longer matches', async () => {
  const v = await rewriteConsistently(3, async () => {
    await owner.query(`UPDATE audit_log SET actor = 'forged' WHERE seq = 3`);
  });
  expect(v.code).toBe(1);
  expect(v.out).toContain('audit chain BROKEN at seq 3: the MAC does not match: the entry was not written by the API (2 entries verified before it)');
  // The admin query says the same as the command.
  const { verifyAuditLog } = await gqlOk(stack.url, '{ verifyAuditLog { ok entries brokenAtSeq reason } }', {}, stack.adminKey);
  expect(verifyAuditLog).toEqual({ ok: false, entries: 2, brokenAtSeq: 3, reason: 'the MAC does not match: the entry was not written by the API' });
});

test('a forged row inserted in the middle (later rows renumbered and re-hashed) is named: it has no MAC', async () => {
  const v = await rewriteConsistently(4, async () => {
    await owner.query('UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 4');
    await owner.query('UPDATE audit_log SET seq = seq - 1000000 + 1 WHERE seq >= 1000000');
    await owner.query(`INSERT INTO audit_log (seq, at, actor, action, outcome, detail, prev_hash, hash) VALUES (4, now(), 'admin', 'mutation.approvePartner', 'ok', '{}', '', 'x')`);
  });
  expect(v.code).toBe(1);
  expect(v.out).toContain('audit chain BROKEN at seq 4: no MAC: the entry was inserted into the database, not written by the API (3 entries verified before it)');
});

test('entries written before MACs existed: an edit re-hashed through the chain is still caught by the signed head', async () => {
  const v = await rewriteConsistently(3, async () => {
    await owner.query('UPDATE audit_log SET mac = NULL');
    await owner.query(`UPDATE audit_log SET actor = 'forged' WHERE seq = 3`);
  });
  expect(v.code).toBe(1);
  const [from, to] = mismatchedRange(v.out);
  expect(from).toBeLessThanOrEqual(3);
  expect(to).toBeGreaterThanOrEqual(3);
});

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

test('an entry inserted with the app role, correctly chained, is caught: it has no valid MAC', async () => {
  await snapshot();
  const app = new Client({ connectionString: asAppRole(stack.databaseUrl) });
  await app.connect();
  try {
    for (const [mac, reason] of [
      [null, 'no MAC: the entry was inserted into the database, not written by the API'],
      ['ab'.repeat(32), 'the MAC does not match: the entry was not written by the API'],
    ] as const) {
      const { rows } = await app.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      const fields = { seq: Number(rows[0].seq) + 1, at: new Date(), actor: 'admin', keyId: null, action: 'mutation.approvePartner', targetType: 'approvePartner', targetId: null, outcome: 'ok', detail: {}, prevHash: rows[0].hash };
      await app.query(
        `INSERT INTO audit_log (seq, at, actor, key_id, action, target_type, target_id, outcome, detail, prev_hash, hash, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [fields.seq, fields.at, fields.actor, fields.keyId, fields.action, fields.targetType, fields.targetId, fields.outcome, '{}', fields.prevHash, entryHash(fields), mac],
      );
      const v = await auditVerify();
      expect(v.code).toBe(1);
      expect(v.out).toContain(`audit chain BROKEN at seq ${fields.seq}: ${reason} (${fields.seq - 1} entries verified before it)`);
      await withTriggersOff(() => owner.query('DELETE FROM audit_log WHERE seq = $1', [fields.seq]).then(() => undefined));
    }
  } finally {
    await app.end();
  }
});
