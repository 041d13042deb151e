import { Client } from 'pg';

/**
 * Makes a test database unreachable, as during a restart, while the shared test server stays up
 * for the other test files: terminates every session of the database and refuses new ones until
 * `restore()`.
 */
export async function cutDatabase(databaseUrl: string): Promise<{ restore(): Promise<void> }> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new Client({ connectionString: process.env.SYNTHBUS_TEST_PG_URL });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  return {
    restore: async () => {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    },
  };
}
