// A worker process: claims shard jobs (db/shard-queue) and runs them on the sampling engine, in
// `workerConcurrency` slots. It heartbeats every few seconds, listing the shards it runs: that
// keeps their leases. A SIGKILLed worker's shards are handed back by the reaper that every API and
// worker process runs once its lease lapses (SYNTHBUS_LEASE_SECONDS), and another worker redoes
// only the images that were not recorded. close() drains: no new claims, the running shards stop
// within one batch and go back to the queue at once.
import os from 'node:os';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { openAppDataSource } from '../db/data-source';
import { WorkerStatus, forgetWorker, heartbeat, startLeaseKeeper } from '../db/leases';
import { asAppRole } from '../db/roles';
import type { SamplingEngine } from '../domain/sampling-engine';
import { Certifier } from '../privacy/certifier';
import { registerModels, registerSigningKeys } from '../services/models';
import { OrderEventHub } from '../services/order-event-hub';
import { openContentStore } from '../storage/open-content-store';
import { loadEngine } from './engine-loader';
import type { ShardDeps, StorageRetry } from './run-shard';
import { runSlot } from './shard-slots';

/** A storage fault is retried for 10 minutes (1 s, 2 s, … up to a minute apart) before a run fails. */
const STORAGE_RETRY: StorageRetry = { firstDelayMs: 1000, maxDelayMs: 60_000, giveUpAfterMs: 10 * 60_000 };

export interface WorkerHandle {
  id: string;
  engine: SamplingEngine;
  certifier: Certifier;
  /** Drains (running shards are handed back) and stops. */
  close(): Promise<void>;
}

let workersStarted = 0;

/** A bundle that does not load: the worker's row says so (operators see it in `workers`), then it stops. */
async function reportLoadFailure(ds: DataSource, workerId: string, e: Error): Promise<never> {
  await heartbeat(ds, { id: workerId, status: 'FAILED', detail: `cannot load its model bundle: ${e.message}`, models: [], running: [] }).catch(() => undefined);
  await ds.destroy();
  throw e;
}

export async function startWorker(config: Config, url: string, log: (line: string) => void, engine?: SamplingEngine): Promise<WorkerHandle> {
  const ds = await openAppDataSource(url, config.workerConcurrency + 3);
  // host:pid names the process; a second worker in one process (tests) gets a suffix.
  const workerId = `${os.hostname()}:${process.pid}${workersStarted++ ? `:${workersStarted}` : ''}`;
  const ownsEngine = !engine;
  const eng = engine ?? (await loadEngine(config, log).catch((e: Error) => reportLoadFailure(ds, workerId, e)));
  const certifier = Certifier.open({ dataDir: config.dataDir, signingKeyFile: config.signingKeyFile, signingKeyPassphrase: config.signingKeyPassphrase, log }, eng);
  await registerModels(ds, eng.models());
  await registerSigningKeys(ds, certifier.publicKeys());
  const hub = new OrderEventHub(asAppRole(url), ds, log);
  await hub.start();
  let status: WorkerStatus = 'READY';
  let detail: string | null = null;
  const deps: ShardDeps = {
    ds,
    engine: eng,
    certify: certifier.certify.bind(certifier),
    store: openContentStore(config),
    batchSize: config.batchSize,
    workerId,
    log,
    storageRetry: STORAGE_RETRY,
    onStorageFault: (notice) => (detail = notice),
  };
  const bundles = eng.models().map((m) => ({ modelId: m.modelId, bundleHash: m.bundleHash }));
  const running = new Set<string>();
  const beat = () => heartbeat(ds, { id: workerId, status, detail, models: bundles, running: [...running] });
  await beat();
  const keeper = startLeaseKeeper(ds, { intervalSeconds: config.heartbeatSeconds, leaseSeconds: config.leaseSeconds, log, beat });
  const drain = new AbortController();
  const ctx = { deps, hub, bundles, retryLimit: config.shardRetryLimit, pollMs: 500, running, drain: drain.signal };
  const slots = Array.from({ length: config.workerConcurrency }, () => runSlot(ctx));
  log(`worker ${workerId}: ${config.workerConcurrency} slot(s); models ${bundles.map((b) => `${b.modelId} (bundle ${b.bundleHash.slice(0, 12)})`).join(', ')}`);
  return {
    id: workerId,
    engine: eng,
    certifier,
    close: async () => {
      status = 'DRAINING';
      drain.abort();
      await Promise.all(slots);
      await keeper.stop();
      await forgetWorker(ds, workerId).catch((e: Error) => log(`worker ${workerId}: could not remove its heartbeat row (${e.message}); it lapses`));
      await hub.close();
      await ds.destroy();
      if (ownsEngine) await eng.close();
    },
  };
}
