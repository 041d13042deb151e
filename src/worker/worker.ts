// A worker process: claims shard jobs (db/shard-queue) and runs them on the sampling engine, in
// `workerConcurrency` slots. It heartbeats every few seconds, listing the shards it runs: that
// keeps their leases. A SIGKILLed worker's shards are handed back by the reaper that every API and
// worker process runs once its lease lapses (SYNTHBUS_LEASE_SECONDS), and another worker redoes
// only the images that were not recorded. close() drains: no new claims, the running shards stop
// within one batch and go back to the queue at once.
import os from 'node:os';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { batchingFor } from '../domain/batching';
import { openAppDataSource } from '../db/data-source';
import { WorkerStatus, forgetWorker, heartbeat, startLeaseKeeper } from '../db/leases';
import { asAppRole } from '../db/roles';
import type { SamplingEngine } from '../domain/sampling-engine';
import { LineLog, Logger, asLogger, lineLog } from '../log/logger';
import { createWorkerMetrics } from '../metrics/worker-metrics';
import { Certifier } from '../privacy/certifier';
import { registerModels, registerSigningKeys } from '../services/models';
import { OrderEventHub } from '../services/order-event-hub';
import { failOrderOfLostShard } from '../services/shards';
import { openContentStore } from '../storage/open-content-store';
import { loadEngine } from './engine-loader';
import { meteredEngine, meteredStore } from './metered';
import { ProbeServer, startProbeServer } from './probe-server';
import type { ShardDeps, StorageRetry } from './run-shard';
import { runSlot } from './shard-slots';

/** A storage fault is retried for 10 minutes (1 s, 2 s, … up to a minute apart) before a run fails. */
const STORAGE_RETRY: StorageRetry = { firstDelayMs: 1000, maxDelayMs: 60_000, giveUpAfterMs: 10 * 60_000 };

export interface WorkerHandle {
  id: string;
  engine: SamplingEngine;
  certifier: Certifier;
  /** The worker's own HTTP server: /healthz, /readyz, /metrics. */
  probes: ProbeServer;
  /** Drains (running shards are handed back) and stops. */
  close(): Promise<void>;
}

let workersStarted = 0;

/** A bundle that does not load: the worker's row says so (operators see it in `workers`), then it stops. */
async function reportLoadFailure(ds: DataSource, probes: ProbeServer, workerId: string, e: Error): Promise<never> {
  await heartbeat(ds, { id: workerId, status: 'FAILED', detail: `cannot load its model bundle: ${e.message}`, models: [], running: [] }).catch(() => undefined);
  await probes.close();
  await ds.destroy();
  throw e;
}

/** `logger` may be a line callback (tests that read the text): it hears each line's message. */
export async function startWorker(config: Config, url: string, logger: Logger | LineLog, engine?: SamplingEngine): Promise<WorkerHandle> {
  const ds = await openAppDataSource(url, config.workerConcurrency + 3);
  // host:pid names the process; a second worker in one process (tests) gets a suffix.
  const workerId = `${os.hostname()}:${process.pid}${workersStarted++ ? `:${workersStarted}` : ''}`;
  const log = lineLog(asLogger(logger).child({ workerId }));
  const metrics = createWorkerMetrics();
  // Up before the bundles load (which can take a while): live at once, ready once they are verified.
  const probes = await startProbeServer({ host: config.host, port: config.workerPort, ds, registry: metrics.registry }).catch(async (e: Error) => {
    await ds.destroy();
    throw new Error(`worker: cannot serve its probes on ${config.host}:${config.workerPort} (SYNTHBUS_WORKER_PORT): ${e.message}`);
  });
  const ownsEngine = !engine;
  const eng = engine ?? (await loadEngine(config, log, (stage, seconds) => metrics.stageSeconds.observe({ stage }, seconds)).catch((e: Error) => reportLoadFailure(ds, probes, workerId, e)));
  for (const m of eng.models()) metrics.bundles.set({ model_id: m.modelId, sha256: m.bundleHash }, 1);
  probes.setBundleState('ok');
  const certifier = Certifier.open({ dataDir: config.dataDir, signingKeyFile: config.signingKeyFile, signingKeyPassphrase: config.signingKeyPassphrase, log }, eng);
  await registerModels(ds, eng.models());
  await registerSigningKeys(ds, certifier.publicKeys());
  const hub = new OrderEventHub(asAppRole(url), ds, log);
  await hub.start();
  let status: WorkerStatus = 'READY';
  let detail: string | null = null;
  const deps: ShardDeps = {
    ds,
    engine: meteredEngine(eng, metrics),
    certify: certifier.certify.bind(certifier),
    store: meteredStore(openContentStore(config), metrics),
    batchSize: batchingFor(eng.provider, { batchSize: config.batchSize }).batchSize,
    workerId,
    log,
    storageRetry: STORAGE_RETRY,
    onStorageFault: (notice) => (detail = notice),
  };
  const bundles = eng.models().map((m) => ({ modelId: m.modelId, bundleHash: m.bundleHash }));
  const running = new Set<string>();
  const beat = () => heartbeat(ds, { id: workerId, status, detail, models: bundles, running: [...running] });
  await beat();
  const keeper = startLeaseKeeper(ds, { intervalSeconds: config.heartbeatSeconds, leaseSeconds: config.leaseSeconds, log, beat, lapseLimit: config.shardLapseLimit, onGaveUp: failOrderOfLostShard });
  const drain = new AbortController();
  const ctx = { deps, metrics, hub, bundles, retryLimit: config.shardRetryLimit, pollMs: 500, running, drain: drain.signal };
  const slots = Array.from({ length: config.workerConcurrency }, () => runSlot(ctx));
  log(`worker ${workerId}: ${config.workerConcurrency} slot(s); models ${bundles.map((b) => `${b.modelId} (bundle ${b.bundleHash.slice(0, 12)})`).join(', ')}; probes and metrics on ${probes.url}`);
  return {
    id: workerId,
    engine: eng,
    certifier,
    probes,
    close: async () => {
      status = 'DRAINING';
      drain.abort();
      await Promise.all(slots);
      await keeper.stop();
      await forgetWorker(ds, workerId).catch((e: Error) => log(`worker ${workerId}: could not remove its heartbeat row (${e.message}); it lapses`));
      await hub.close();
      await probes.close();
      await ds.destroy();
      if (ownsEngine) await eng.close();
    },
  };
}
