// Issue 11, finding 3 (a): the embedded default gives the app its own LOGIN role. From the app's
// connection, no escalation path works: SET ROLE and SET SESSION AUTHORIZATION to the owner are
// refused, and RESET ROLE / SET ROLE NONE land on a role with the app's rights and no more.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../src/db/migrate';
import { APP_LOGIN, APP_ROLE, asAppRole, ensureAppLogin } from '../../src/db/roles';
import { createDatabase } from '../helpers/stack';

let ownerUrl: string;
let appUrl: string;
let dir: string;

beforeAll(async () => {
  ownerUrl = await createDatabase();
  await migrate(ownerUrl);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-roles-'));
  appUrl = await ensureAppLogin(ownerUrl, path.join(dir, 'pg-app-password'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

async function whoAmI(c: Client): Promise<{ user: string; superuser: boolean }> {
  const { rows } = await c.query('SELECT current_user AS user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser');
  return rows[0];
}

test('the app login has its own password (kept 0600 in the data dir), not the owner\'s', async () => {
  expect(new URL(appUrl).username).toBe(APP_LOGIN);
  expect(new URL(appUrl).password).not.toBe(new URL(ownerUrl).password);
  expect(fs.statSync(path.join(dir, 'pg-app-password')).mode & 0o777).toBe(0o600);
  // Idempotent: a second start keeps the same login working.
  expect(await ensureAppLogin(ownerUrl, path.join(dir, 'pg-app-password'))).toBe(appUrl);
});

test.each([
  ['the app\'s connection as the server opens it', () => asAppRole(appUrl)],
  ['the bare login', () => appUrl],
])('from %s, SET ROLE, RESET ROLE and SET SESSION AUTHORIZATION gain nothing', async (_name, url) => {
  const ownerName = new URL(ownerUrl).username;
  const app = await connect(url());
  try {
    for (const escalate of [`SET ROLE ${ownerName}`, 'SET ROLE pg_write_all_data', `SET SESSION AUTHORIZATION ${ownerName}`, 'SET SESSION AUTHORIZATION DEFAULT; SET ROLE postgres']) {
      await expect(app.query(escalate)).rejects.toThrow(/permission denied/);
    }
    for (const reset of ['RESET ROLE', 'SET ROLE NONE', 'RESET SESSION AUTHORIZATION', 'SET SESSION AUTHORIZATION DEFAULT']) {
      await app.query(reset);
      // The session's default role: the login itself, or synthbus_app where the URL sets it.
      const who = await whoAmI(app);
      expect([APP_LOGIN, APP_ROLE]).toContain(who.user);
      expect(who.superuser).toBe(false);
      // Still only the app's rights: the audit log stays append-only and its triggers stay on.
      await expect(app.query(`UPDATE audit_log SET actor = 'x'`)).rejects.toThrow(/permission denied for table audit_log/);
      await expect(app.query('ALTER TABLE audit_log DISABLE TRIGGER USER')).rejects.toThrow(/must be owner/);
      await expect(app.query('CREATE ROLE intruder SUPERUSER')).rejects.toThrow(/permission denied/);
    }
    // And it still does the app's work.
    expect((await app.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
  } finally {
    await app.end();
  }
});

test('by contrast, the owner login with a role option (the old default) escalates with SET ROLE NONE', async () => {
  const old = await connect(asAppRole(ownerUrl));
  try {
    expect((await whoAmI(old)).user).toBe('synthbus_app');
    await old.query('SET ROLE NONE');
    expect((await whoAmI(old)).superuser).toBe(true);
  } finally {
    await old.end();
  }
});
