// The least-privilege role the API and workers run as. Migrations create it and grant it exactly
// what the app needs: in particular only SELECT and INSERT on the audit log.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { Client } from 'pg';

export const APP_ROLE = 'synthbus_app';
/** The app's own login (embedded default): a member of APP_ROLE and of nothing else. */
export const APP_LOGIN = 'synthbus_api';

/**
 * A connection string whose sessions all run as the app role. `url` logs in as a role that may
 * take it: the owner (the default, simple setup) or a dedicated login granted only synthbus_app.
 */
export function asAppRole(loginUrl: string): string {
  const url = new URL(loginUrl);
  url.searchParams.set('options', `-c role=${APP_ROLE}`);
  return url.toString();
}

async function loginPassword(passwordFile: string): Promise<string> {
  try {
    return (await fs.readFile(passwordFile, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const password = randomBytes(24).toString('hex');
    await fs.writeFile(passwordFile, password, { mode: 0o600 });
    return password;
  }
}

/**
 * Creates (or re-keys) the app's dedicated LOGIN role on the owner's server and returns its URL.
 * Unlike the owner's login with `-c role=synthbus_app`, a session of this login has nothing to
 * escalate to: RESET ROLE / SET ROLE NONE land on a role with only synthbus_app's rights, and SET
 * ROLE or SET SESSION AUTHORIZATION to any other role is refused. Its password is random, kept in
 * `passwordFile` (0600) beside the database's own secrets.
 */
export async function ensureAppLogin(ownerUrl: string, passwordFile: string): Promise<string> {
  const password = await loginPassword(passwordFile);
  if (!/^[0-9a-f]+$/.test(password)) throw new Error(`${passwordFile} must hold the hex password this function wrote`);
  const owner = new Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    // Roles are cluster-wide; the migration creates APP_ROLE too and tolerates this one.
    for (const role of [APP_ROLE, APP_LOGIN]) {
      await owner.query(`DO $$ BEGIN CREATE ROLE ${role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    }
    // DDL takes no parameters; the password is hex, checked above.
    await owner.query(`ALTER ROLE ${APP_LOGIN} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD '${password}'`);
    await owner.query(`GRANT ${APP_ROLE} TO ${APP_LOGIN}`);
  } finally {
    await owner.end();
  }
  const url = new URL(ownerUrl);
  url.username = APP_LOGIN;
  url.password = password;
  return url.toString();
}
