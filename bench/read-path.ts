// Read-path benchmark (issue 15): the real API (dist/src/main.js api) against a bare graphql-js +
// pg server (read-path-bare.ts) on the same embedded PostgreSQL, same data, same key, in one run.
// autocannon drives each with `--connections` for `--seconds`, pinned to CPU 0 while this process,
// PostgreSQL and both servers are pinned to CPU 1 (when the machine has two CPUs and taskset).
// Per query it prints req/s, p50 and p99 of both, the CPU per request of each server and of
// PostgreSQL, and the ratio ours/bare; `--repeat` interleaves repetitions (each starting with the
// next server) and prints each and the median. `--before <checkout>` runs that checkout's built API
// (e.g. a `git worktree` of an older commit, built) too, on the same database, as a third column.
// `--profile <dir>` has our API write a CPU profile there.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/read-path.js [--seconds 10] [--connections 50] [--repeat 3] [--before <dir>] [--profile <dir>]
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAppDataSource } from '../src/db/data-source';
import { freePort, startEmbeddedDatabase } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { issueKey } from '../src/services/api-keys';
import { registerModels } from '../src/services/models';
import { PARTNER_SCOPES } from '../src/services/principal';
import { CATALOG_MODEL } from '../tests/helpers/model-summary';

const ROOT = path.resolve(__dirname, '..', '..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 50);
const REPEAT = arg('repeat', 3);
const ORDERS = 30;
const beforeAt = process.argv.indexOf('--before');
const BEFORE = beforeAt > 0 ? path.resolve(process.argv[beforeAt + 1]) : null;
const profileAt = process.argv.indexOf('--profile');
/** Where our API writes a V8 CPU profile (.cpuprofile, for Chrome DevTools) when it exits. */
const PROFILE = profileAt > 0 ? path.resolve(process.argv[profileAt + 1]) : null;

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return os.availableParallelism() >= 2;
  } catch {
    return false;
  }
}
const PIN = hasTaskset();

async function post(url: string, key: string | null, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const request = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify({ query, variables }) });
  // A kept-alive connection the server closed while autocannon ran fails once.
  const res = await request().catch(request);
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`${query.slice(0, 40)}…: ${body.errors[0].message}`);
  return body.data as Record<string, unknown>;
}

async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode})`);
    try {
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A partner with an approved account and an orders:read key, and ORDERS queued orders, through the API. */
async function seed(url: string, databaseUrl: string): Promise<{ key: string; orderId: string }> {
  const ds = await openAppDataSource(databaseUrl, 1);
  const { secret: admin } = await issueKey(ds, { partnerId: null, name: 'bench admin', scopes: [...PARTNER_SCOPES] });
  await registerModels(ds, [CATALOG_MODEL]);
  await ds.destroy();
  const applied = (await post(url, null, `mutation($i: ApplyInput!) { apply(input: $i) { partner { id } secret } }`, {
    i: { name: 'Bench Hospital', institution: 'Bench Research', contactEmail: 'bench@example.org', purpose: 'Benchmarking the read path.' },
  })) as { apply: { partner: { id: string }; secret: string } };
  await post(url, admin, `mutation($id: ID!) { approvePartner(id: $id) { status } }`, { id: applied.apply.partner.id });
  const { currentAgreement } = (await post(url, null, '{ currentAgreement { version } }')) as { currentAgreement: { version: number } };
  await post(url, applied.apply.secret, `mutation($v: Int!) { acceptAgreement(version: $v) { agreementVersion } }`, { v: currentAgreement.version });
  const { issueApiKey } = (await post(url, applied.apply.secret, `mutation { issueApiKey(name: "bench", scopes: [ORDERS_READ, ORDERS_WRITE]) { secret } }`)) as { issueApiKey: { secret: string } };
  let orderId = '';
  for (let i = 0; i < ORDERS; i++) {
    const { placeOrder } = (await post(url, issueApiKey.secret, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: { modelId: CATALOG_MODEL.modelId, size: 2, mix: [{ birads: 2, count: 2 }] } })) as { placeOrder: { id: string } };
    orderId = placeOrder.id;
  }
  return { key: issueApiKey.secret, orderId };
}

interface Load {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  bad: number;
  /** CPU milliseconds per answered request: the server process, and PostgreSQL's processes together (Linux only). */
  cpu: { server: number; postgres: number } | null;
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux this runs on

/** utime + stime of a process, in ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Every PostgreSQL process's CPU ms by pid (the backends live as long as the pools' connections). */
function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'postgres') out.set(Number(e), cpuMs(Number(e)));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Measures the CPU that `pid` and PostgreSQL spend while `run` goes. */
function withCpu(pid: number, run: () => Omit<Load, 'cpu'>): Load {
  if (!fs.existsSync('/proc/self/stat')) return { ...run(), cpu: null };
  const server0 = cpuMs(pid);
  const pg0 = postgresCpu();
  const l = run();
  const server = cpuMs(pid) - server0;
  let postgres = 0;
  for (const [p, ms] of postgresCpu()) postgres += ms - (pg0.get(p) ?? 0);
  const answered = Math.max(1, l.total);
  return { ...l, cpu: { server: server / answered, postgres: postgres / answered } };
}

/** autocannon (its CLI, in its own process on CPU 0) against `url` with one request body. */
function load(url: string, key: string, body: string, seconds: number): Omit<Load, 'cpu'> {
  const cli = [path.join(ROOT, 'node_modules/autocannon/autocannon.js'), '--json', '-c', String(CONNECTIONS), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-H', `authorization=Bearer ${key}`, '-b', body, url];
  const out = PIN ? execFileSync('taskset', ['-c', '0', process.execPath, ...cli], { maxBuffer: 1 << 26 }) : execFileSync(process.execPath, cli, { maxBuffer: 1 << 26 });
  const r = JSON.parse(out.toString('utf8')) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number; timeouts: number };
  return { rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  // This process's threads, and so PostgreSQL and both servers (its children), on CPU 1.
  if (PIN) execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-read-path-'));
  const db = await startEmbeddedDatabase(dataDir, () => undefined);
  const children: ChildProcess[] = [];
  try {
    await migrate(db.url);
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      SYNTHBUS_LOG_LEVEL: 'warn',
      // Every request still costs its rate-limit round trip; none is refused.
      SYNTHBUS_RATE_LIMIT_PER_KEY: String(1e9),
      SYNTHBUS_QUOTA_CONCURRENT_ORDERS: String(ORDERS),
    };
    const servers: { name: string; url: string; pid: number }[] = [];
    const start = async (name: string, script: string, args: string[], extraEnv: Record<string, string> = {}) => {
      const port = await freePort();
      // Warnings and errors only (SYNTHBUS_LOG_LEVEL).
      const child = spawn(process.execPath, [...(PROFILE && name === 'ours' ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []), script, ...args], { env: { ...env, ...extraEnv, PORT: String(port), SYNTHBUS_DATA_DIR: path.join(dataDir, name) }, stdio: ['ignore', 'inherit', 'inherit'] });
      children.push(child);
      const url = `http://127.0.0.1:${port}/graphql`;
      await waitForHttp(url, child);
      servers.push({ name, url, pid: child.pid ?? 0 });
      return url;
    };
    await start('bare', path.join(ROOT, 'dist/bench/read-path-bare.js'), [db.url]);
    const oursUrl = await start('ours', path.join(ROOT, 'dist/src/main.js'), ['api']);
    if (BEFORE) await start('before', path.join(BEFORE, 'dist/src/main.js'), ['api']);
    const { key, orderId } = await seed(oursUrl, db.url);

    const queries = [
      { name: 'order(id)', query: `query($id: ID!) { order(id: $id) { id status size modelId steps guidance createdAt } }`, variables: { id: orderId } },
      { name: 'orders(first: 10)', query: `{ orders(first: 10) { edges { cursor node { id status size modelId steps guidance createdAt } } pageInfo { hasNextPage endCursor } } }`, variables: {} },
    ];
    const cpus = os.cpus();
    process.stdout.write(`read path: ${CONNECTIONS} connections, ${SECONDS} s per run, ${REPEAT} interleaved repetitions; ${cpus.length} × ${cpus[0]?.model}; load average ${os.loadavg()[0].toFixed(1)}; ${PIN ? 'autocannon on CPU 0, servers and PostgreSQL on CPU 1' : 'not pinned (no taskset or one CPU)'}\n`);
    const fmt = (l: Load) => `${l.rps.toFixed(0)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms${l.cpu ? `, CPU/request ${l.cpu.server.toFixed(2)} ms + PostgreSQL ${l.cpu.postgres.toFixed(2)} ms` : ''}${l.bad ? `, ${l.bad} failed` : ''}`;
    for (const q of queries) {
      const body = JSON.stringify({ query: q.query, variables: q.variables });
      // The same answer from every server, or the comparison means nothing.
      const answers = await Promise.all(servers.map((srv) => post(srv.url, key, q.query, q.variables)));
      for (const [i, a] of answers.entries()) if (JSON.stringify(a) !== JSON.stringify(answers[0])) throw new Error(`${q.name}: ${servers[i].name} answers differently from bare:\n${JSON.stringify(a)}\n${JSON.stringify(answers[0])}`);
      for (const srv of servers) load(srv.url, key, body, 2); // warm-up: JIT, pools, caches
      const runs: Map<string, Load>[] = [];
      for (let i = 0; i < REPEAT; i++) {
        // Each repetition starts with the next server: the machine's speed drifts, and a fixed order would favour one.
        const order = servers.map((_, j) => servers[(i + j) % servers.length]);
        const run = new Map(order.map((srv) => [srv.name, withCpu(srv.pid, () => load(srv.url, key, body, SECONDS))] as const));
        runs.push(run);
        const bare = run.get('bare') as Load;
        process.stdout.write(`${q.name} #${i + 1}: ${servers.map((srv) => `${srv.name} ${fmt(run.get(srv.name) as Load)}${srv.name === 'bare' ? '' : ` (${srv.name}/bare ${((run.get(srv.name) as Load).rps / bare.rps).toFixed(2)})`}`).join(' | ')}\n`);
      }
      const m = (name: string, pick: (l: Load) => number) => median(runs.map((r) => pick(r.get(name) as Load)));
      const medians = servers.map((srv) => {
        const ratio = srv.name === 'bare' ? '' : ` ${srv.name}/bare ${median(runs.map((r) => (r.get(srv.name) as Load).rps / (r.get('bare') as Load).rps)).toFixed(2)}`;
        const cpu = runs[0].get(srv.name)?.cpu ? ` CPU/request ${m(srv.name, (l) => l.cpu?.server ?? 0).toFixed(2)} + PostgreSQL ${m(srv.name, (l) => l.cpu?.postgres ?? 0).toFixed(2)} ms` : '';
        return `${srv.name} ${m(srv.name, (l) => l.rps).toFixed(0)} req/s p50 ${m(srv.name, (l) => l.p50)} p99 ${m(srv.name, (l) => l.p99)} ms${cpu}${ratio}`;
      });
      process.stdout.write(`${q.name} median: ${medians.join(' | ')}\n`);
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    await db.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
