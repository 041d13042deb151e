// Migration 1764600000002 on a database written before members existed: each partner gets one
// ADMIN member named after its contact, who owns its keys (which keep their scopes), and the
// audit chain written before verifies unchanged, with entries naming members appended after it.
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, MigrationInterface } from 'typeorm';
import { GENESIS_HASH, entryHash } from '../../src/audit/chain';
import { appendAudit, verifyAudit } from '../../src/audit/log';
import { migrate } from '../../src/db/migrate';
import { openAppDataSource } from '../../src/db/data-source';
import { hashToken, newToken, authenticateToken } from '../../src/services/api-keys';
import { REPO_ROOT, createDatabase } from '../helpers/stack';

const MEMBERS_MIGRATION = 1764600000002;

/** The committed migrations older than the members one, as classes. */
function migrationsBeforeMembers(): (new () => MigrationInterface)[] {
  const dir = path.join(REPO_ROOT, 'migrations');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && Number(f.split('-')[0]) < MEMBERS_MIGRATION)
    .sort()
    .map((f) => Object.values(require(path.join(dir, f)) as Record<string, new () => MigrationInterface>)[0]); // eslint-disable-line @typescript-eslint/no-require-imports -- migrations are loaded by file, as TypeORM does
}

let url: string;
let app: DataSource;
afterAll(() => app?.destroy());

test('existing keys move to an ADMIN member named after the contact, and the chain written before verifies', async () => {
  url = await createDatabase();
  const old = await new DataSource({ type: 'postgres', url, migrations: migrationsBeforeMembers(), migrationsTransactionMode: 'each' }).initialize();
  const token = newToken();
  let prev = { seq: 0, hash: GENESIS_HASH };
  try {
    await old.runMigrations();
    const [{ id: partnerId }] = (await old.query(
      `INSERT INTO partners (name, institution, contact_email, purpose, status) VALUES ('Dr Ada Old', 'Old Clinic', 'ada@example.org', 'tests', 'APPROVED') RETURNING id`,
    )) as { id: string }[];
    await old.query(`INSERT INTO api_keys (partner_id, role, name, token_prefix, token_hash, scopes) VALUES ($1, 'PARTNER', 'old key', $2, $3, $4)`, [partnerId, token.slice(0, 12), hashToken(token), ['orders:read', 'downloads']]);
    // Entries as the code before members wrote them: no member in the row or the hash.
    for (const action of ['mutation.issueApiKey', 'order.read']) {
      const fields = { seq: prev.seq + 1, at: new Date(), actor: `partner:${partnerId}`, keyId: null, action, targetType: null, targetId: null, outcome: 'ok', detail: { n: prev.seq }, prevHash: prev.hash };
      const hash = entryHash(fields);
      await old.query(
        `INSERT INTO audit_log (seq, at, actor, key_id, action, target_type, target_id, outcome, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [fields.seq, fields.at, fields.actor, fields.keyId, fields.action, fields.targetType, fields.targetId, fields.outcome, JSON.stringify(fields.detail), fields.prevHash, hash],
      );
      prev = { seq: fields.seq, hash };
    }
  } finally {
    await old.destroy();
  }

  await migrate(url);
  app = await openAppDataSource(url);
  const who = await authenticateToken(app, token);
  expect(who.member).toEqual({ id: expect.any(String), name: 'Dr Ada Old', role: 'ADMIN' });
  expect(who.scopes).toEqual(['orders:read', 'downloads']);
  const [member] = (await app.query('SELECT email, removed_at FROM members WHERE id = $1', [who.member?.id])) as { email: string; removed_at: Date | null }[];
  expect(member).toEqual({ email: 'ada@example.org', removed_at: null });

  await appendAudit(app, { actor: `partner:${who.partnerId}`, keyId: who.keyId, member: who.member, action: 'order.read' });
  const verified = await verifyAudit(app);
  expect(verified).toMatchObject({ ok: true, entries: 3, break: null });
  const [latest] = (await app.query('SELECT member_id, member_name FROM audit_log WHERE seq = 3')) as { member_id: string; member_name: string }[];
  expect(latest).toEqual({ member_id: who.member?.id, member_name: 'Dr Ada Old' });
});
