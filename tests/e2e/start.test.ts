// `main.js start` with no DATABASE_URL: embedded PostgreSQL, migrations, API and one worker in
// one process group; it prints the endpoint and, on first start only, an admin key. A parent
// killed with SIGKILL leaves its postmaster behind; the next start cleans it up.
import { ChildProcess, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_BUNDLE_DIR } from '../../src/generation/bundle';
import { cleanUpProduct, exited, spawnMain, startProduct } from '../helpers/start-process';
import { REPO_ROOT, createDatabase, gqlOk } from '../helpers/stack';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-start-'));
const running: ChildProcess[] = [];

async function start(): ReturnType<typeof startProduct> {
  const product = await startProduct(dataDir);
  running.push(product.child);
  return product;
}

afterAll(() => cleanUpProduct(dataDir, running));

test('start prints the endpoint and a one-time admin key; survives a SIGKILLed predecessor', async () => {
  const first = await start();
  const key = /^\s+(sbk_\S+)$/m.exec(first.output())?.[1];
  expect(key).toBeDefined();
  expect(first.output()).toContain('The admin key above is printed only on this first start.');
  expect(fs.statSync(path.join(dataDir, 'pg-superuser-password')).mode & 0o077).toBe(0);
  const { models } = await gqlOk(first.url, `{ models { modelId fixture } }`);
  expect(models).toEqual([expect.objectContaining({ fixture: true })]);
  await gqlOk(first.url, `{ partners { id } }`, {}, key);

  first.child.kill('SIGKILL'); // its embedded postmaster keeps running, holding the data dir
  await exited(first.child);

  const second = await start();
  expect(second.output()).toContain('stopping a stale PostgreSQL');
  expect(second.output()).not.toMatch(/sbk_/);
  expect(second.output()).toContain('admin-key');
  await gqlOk(second.url, `{ partners { id } }`, {}, key); // same database, same key

  // admin-key finds the running embedded server and issues another key, shown once.
  const env: NodeJS.ProcessEnv = { ...process.env, SYNTHBUS_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  const issued = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'admin-key', 'ops'], { env });
  const another = /^\s+(sbk_\S+)$/m.exec(issued.stdout)?.[1];
  expect(another).toBeDefined();
  await gqlOk(second.url, `{ partners { id } }`, {}, another);

  // audit verify finds it too; both key issuances by command are in the chain.
  const audit = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'audit', 'verify'], { env });
  const entries = Number(/audit chain OK: (\d+) entries/.exec(audit.stdout)?.[1]);
  expect(entries).toBeGreaterThanOrEqual(2);
  second.child.kill('SIGTERM');
  expect(await exited(second.child)).toBe(0);
});

test('migrate, api and worker run as separate processes against DATABASE_URL and stop cleanly on SIGTERM', async () => {
  const url = await createDatabase();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, PORT: '0', SYNTHBUS_DATA_DIR: dataDir, SYNTHBUS_BUNDLE_DIRS: FIXTURE_BUNDLE_DIR };
  await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'migrate'], { env });
  const api = await spawnMain('api', env, /SynthBUS GraphQL endpoint: (http:\/\/\S+)/);
  const worker = await spawnMain('worker', env, /worker \S+: 1 slot\(s\)/);
  running.push(api.child, worker.child);
  const { models } = await gqlOk(api.match[1], `{ models { modelId } }`);
  expect(models).toHaveLength(1); // announced by the worker, served by the API
  api.child.kill('SIGTERM');
  worker.child.kill('SIGTERM');
  expect(await exited(api.child)).toBe(0);
  expect(await exited(worker.child)).toBe(0);
});
