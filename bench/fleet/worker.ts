// A worker process for bench/fleet.ts: what `main.js worker` runs (same settings: DATABASE_URL,
// SYNTHBUS_*), with its time measured (worker-timing.ts) and, if SYNTHBUS_BENCH_SLEEP_MS is set,
// the SleepingEngine in place of the model (that many ms per generate() call). SIGTERM drains it
// like a real worker; then it prints where its time went.
//
//   node dist/bench/fleet/worker.js
import 'reflect-metadata';
import { loadConfig } from '../../src/config';
import { loadEngine } from '../../src/worker/engine-loader';
import { startWorker } from '../../src/worker/worker';
import { SleepingEngine } from './sleeping-engine';
import { TIMING_PREFIX, timeWorker } from './worker-timing';

async function main(): Promise<void> {
  const config = loadConfig();
  const url = config.appDatabaseUrl ?? config.databaseUrl;
  if (!url) throw new Error('DATABASE_URL is not set');
  const sleepMs = process.env.SYNTHBUS_BENCH_SLEEP_MS;
  const ms = Number(sleepMs);
  if (sleepMs && !(ms >= 0)) throw new Error(`SYNTHBUS_BENCH_SLEEP_MS must be a number of milliseconds >= 0, got "${sleepMs}"`);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const real = await loadEngine(config, log);
  const engine = sleepMs ? new SleepingEngine(real, ms) : real;
  const timing = timeWorker(engine);
  const worker = await startWorker(config, url, log, engine);
  process.once('SIGTERM', () => {
    const spent = timing(); // up to now: the drain is not the order's time
    void worker
      .close()
      .then(() => engine.close())
      .then(() => {
        process.stdout.write(`${TIMING_PREFIX}${JSON.stringify(spent)}\n`);
        process.exit(0);
      });
  });
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
