// The single entry point: node dist/src/main.js start|api|worker|migrate|admin-key|audit verify
import 'reflect-metadata';
import path from 'node:path';
import { Config, loadConfig } from './config';
import { CheckpointKey, checkpointFiles } from './audit/checkpoints';
import { appendAudit } from './audit/log';
import { useAuditMacKey } from './audit/row-mac';
import { verifyWithKey } from './audit/verify';
import { openAppDataSource } from './db/data-source';
import { runningEmbeddedUrl, startEmbeddedDatabase } from './db/embedded';
import { migrate } from './db/migrate';
import { ensureAppLogin } from './db/roles';
import { isDatabaseUnavailable } from './db/unavailable';
import { Logger, createLogger } from './log/logger';
import { startApi } from './server/app';
import { issueKey, listKeys } from './services/api-keys';
import { PARTNER_SCOPES } from './services/principal';
import { startWorker } from './worker/worker';

// JSON lines on stdout (log/logger.ts); main() sets the configured level once it reads the config.
let logger: Logger = createLogger({ level: 'info' });
const log = (line: string): void => logger.info(line);
const USAGE = 'usage: main.js start | api | worker | migrate | admin-key [name] | audit verify';

function requireUrl(config: Config): string {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set (only `start` runs an embedded PostgreSQL)');
  return config.databaseUrl;
}

/** The connection the serving processes use: the dedicated app login if configured. */
function appUrl(config: Config): string {
  return config.appDatabaseUrl ?? requireUrl(config);
}

/** Issues an admin key and prints it: the token is shown this once and stored only hashed. */
async function printAdminKey(url: string, name: string): Promise<void> {
  const ds = await openAppDataSource(url, 1);
  try {
    const { secret, key } = await issueKey(ds, { partnerId: null, name, scopes: [...PARTNER_SCOPES] });
    // Issued outside GraphQL, so the mutation middleware does not see it: audit it here.
    await appendAudit(ds, { actor: 'operator', action: 'command.admin-key', targetType: 'apiKey', targetId: key.id, detail: { name } });
    // Printed for the operator, not logged: the log never holds a secret.
    process.stdout.write(`admin API key "${key.name}" (id ${key.id}), shown once, store it now:\n  ${secret}\n`);
  } finally {
    await ds.destroy();
  }
}

/**
 * Runs an admin task against DATABASE_URL or, without it, the embedded server of `start`: the
 * running one, or one started (and migrated) just for the task.
 */
async function withDatabase(config: Config, task: (url: string) => Promise<void>): Promise<void> {
  const running = config.databaseUrl ?? runningEmbeddedUrl(config.dataDir);
  if (running) return task(running);
  const db = await startEmbeddedDatabase(config.dataDir, log);
  try {
    await migrate(db.url);
    await task(db.url);
  } finally {
    await db.stop();
  }
}

/** Past this, a shutdown that hangs exits anyway (a drain takes one micro-batch). */
const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Owns the process's end: SIGINT/SIGTERM stop everything in reverse start order (the worker hands
 * its running shard back, the API closes its sockets with "going away", PostgreSQL stops last) and
 * exit 0; a second signal exits at once. An unhandled rejection or uncaught exception caused by a
 * database outage is logged and outlived (whoever made the call retries); any other one is a
 * broken invariant: it is logged and the process stops in order with exit code 1.
 */
function onShutdown(stops: (() => Promise<void>)[]): void {
  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: shutting down`);
    setTimeout(() => {
      log(`shutdown took over ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    for (const s of [...stops].reverse()) await s().catch((e: Error) => log(`shutdown: ${e.message}`));
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    void stop(signal, 0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onFault = (kind: string) => (e: unknown) => {
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    if (isDatabaseUnavailable(e)) return logger.warn(`${kind} during a database outage (outlived): ${detail}`);
    logger.error(`${kind}: ${detail}`);
    void stop(`invariant broken (${kind})`, 1);
  };
  process.on('unhandledRejection', onFault('unhandled rejection'));
  process.on('uncaughtException', onFault('uncaught exception'));
}

async function start(config: Config): Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  onShutdown(stops);
  let url = config.databaseUrl;
  // The serving processes log in as the app's own role: the dedicated login (embedded default), not the owner.
  let serving = config.appDatabaseUrl;
  if (!url) {
    const db = await startEmbeddedDatabase(config.dataDir, log);
    stops.push(db.stop);
    url = db.url;
    serving = await ensureAppLogin(url, path.join(config.dataDir, 'pg-app-password'));
    log(`embedded PostgreSQL running, data in ${config.dataDir}/pg`);
  }
  await migrate(url, log);
  serving ??= url;
  const api = await startApi(config, serving, logger);
  stops.push(api.close);
  const worker = await startWorker(config, serving, logger);
  stops.push(worker.close);
  const ds = await openAppDataSource(serving, 1);
  const firstStart = (await listKeys(ds, null)).length === 0;
  await ds.destroy();
  if (firstStart) await printAdminKey(serving, 'bootstrap admin');
  log(
    firstStart
      ? 'The admin key above is printed only on this first start.'
      : 'Admin key: run `node dist/src/main.js admin-key` (same environment) to issue one; it is shown once.',
  );
  if (config.playground) log(`Playground (GraphQL IDE, works offline): ${new URL('/playground', api.url).href}`);
  // Last, so that whoever waits for it has seen everything above.
  log(`SynthBUS GraphQL endpoint: ${api.url} (subscriptions: ${api.wsUrl})`);
}

async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const [cmd, sub] = argv;
  switch (cmd) {
    case 'start':
      // A developer's machine: webhooks to a local receiver over plain http, unless set otherwise.
      return start({ ...config, webhooks: { ...config.webhooks, allowLoopbackHttp: config.webhooks.allowLoopbackHttp ?? true } });
    case 'api': {
      const api = await startApi(config, appUrl(config), logger);
      onShutdown([api.close]);
      return log(`SynthBUS GraphQL endpoint: ${api.url} (subscriptions: ${api.wsUrl})`);
    }
    case 'worker': {
      const w = await startWorker(config, appUrl(config), logger);
      return onShutdown([w.close]);
    }
    case 'migrate':
      await migrate(requireUrl(config), log);
      return log('database is up to date');
    case 'admin-key':
      return withDatabase(config, async (url) => {
        // Its audit entry carries a MAC like the API's own (audit/row-mac.ts).
        useAuditMacKey((await CheckpointKey.open(checkpointFiles(config).keyFile)).macKey);
        await printAdminKey(url, sub ?? 'admin');
      });
    case 'audit': {
      if (sub !== 'verify') throw new Error(USAGE);
      return withDatabase(config, async (url) => {
        const ds = await openAppDataSource(config.appDatabaseUrl ?? url, 1);
        const r = await verifyWithKey(ds, checkpointFiles(config));
        await ds.destroy();
        const signed = r.checkpoint ? `signed head seq ${r.checkpoint.seq} (${r.checkpoint.signedAt}) matched, ${r.unsigned} entries after it` : 'no signed head';
        // Read entries wait a few ms before the API chains them (audit/pending.ts): listed, not a break.
        const pending = r.pending ? `${r.pending} entries pending, not chained yet (oldest at ${r.oldestPendingAt?.toISOString()})` : 'no entries pending';
        if (r.ok) return log(`audit chain OK: ${r.entries} entries, head ${r.lastHash}; ${signed}; entry MACs ${r.macsChecked ? 'checked' : 'not checked (no key file)'}; ${pending}`);
        if (r.break) log(`audit chain BROKEN at seq ${r.break.seq}: ${r.break.reason} (${r.entries} entries verified before it)`);
        if (r.pendingProblem) log(`audit log BROKEN: ${r.pendingProblem}`);
        process.exitCode = 1;
      });
    }
    default:
      throw new Error(USAGE);
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
