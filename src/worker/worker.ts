// A worker process: claims shard jobs from pg-boss and runs them on the sampling engine.
// Crash recovery: a shard job of a SIGKILLed worker stays `active` until its expiry
// (SYNTHBUS_SHARD_EXPIRE_SECONDS, sized to a shard's real duration); the maintenance that every
// worker runs (every SYNTHBUS_MAINTENANCE_SECONDS) then returns it to the queue and another
// worker redoes only the images that were not recorded.
import os from 'node:os';
import type PgBoss from 'pg-boss';
import type { Config } from '../config';
import { openAppDataSource } from '../db/data-source';
import { FAILED_SHARD_QUEUE, SHARD_QUEUE, openQueue } from '../db/queue';
import { asAppRole } from '../db/roles';
import { InputError } from '../domain/input-error';
import type { SamplingEngine } from '../domain/sampling-engine';
import { Certifier } from '../privacy/certifier';
import { registerModels, registerSigningKeys } from '../services/models';
import { OrderEventHub } from '../services/order-event-hub';
import * as lifecycle from '../services/order-lifecycle';
import type { ShardJob } from '../services/shards';
import { FileContentStore } from '../storage/content-store';
import { loadEngine } from './engine-loader';
import { runShard } from './run-shard';
import { watchOrderEnd } from './watch-order-end';

export interface WorkerHandle {
  engine: SamplingEngine;
  certifier: Certifier;
  close(): Promise<void>;
}

export async function startWorker(config: Config, url: string, log: (line: string) => void, engine?: SamplingEngine): Promise<WorkerHandle> {
  const ds = await openAppDataSource(url, config.workerConcurrency + 2);
  const ownsEngine = !engine;
  const eng = engine ?? (await loadEngine(config, log));
  const certifier = Certifier.open({ dataDir: config.dataDir, signingKeyFile: config.signingKeyFile, signingKeyPassphrase: config.signingKeyPassphrase, log }, eng);
  await registerModels(ds, eng.models());
  await registerSigningKeys(ds, certifier.publicKeys());
  const hub = new OrderEventHub(asAppRole(url), ds, log);
  await hub.start();
  const boss = await openQueue(url, { maintenanceSeconds: config.maintenanceSeconds });
  const workerId = `${os.hostname()}:${process.pid}`;
  const deps = { ds, engine: eng, certify: certifier.certify.bind(certifier), store: new FileContentStore(config.storageRoot), batchSize: config.batchSize, workerId, log };

  const handle = async ([job]: PgBoss.JobWithMetadata<ShardJob>[]) => {
    const watch = watchOrderEnd(hub, job.data.orderId);
    try {
      await runShard(deps, job.data, watch.signal);
    } catch (e) {
      const err = e as Error;
      const final = err instanceof InputError || job.retryCount >= job.retryLimit;
      log(`order ${job.data.orderId} shard ${job.data.shard}: ${err.message}${final ? ' (giving up)' : ' (will retry)'}`);
      if (final) {
        await lifecycle.fail(ds, job.data.orderId, err instanceof InputError ? `invalid ${err.field}: ${err.message}` : `shard ${job.data.shard} failed: ${err.message}`);
        return;
      }
      throw err;
    } finally {
      await watch.stop();
    }
  };
  // A shard whose retries ran out without its handler deciding (it kept expiring: workers died
  // or it outran its expiry) lands here; the order cannot complete, so it fails with the reason.
  await boss.work<ShardJob>(FAILED_SHARD_QUEUE, { batchSize: 1, pollingIntervalSeconds: 2 }, async ([job]) => {
    log(`order ${job.data.orderId} shard ${job.data.shard}: out of retries`);
    await lifecycle.fail(ds, job.data.orderId, `shard ${job.data.shard} (images ${job.data.start}-${job.data.end - 1}) was lost ${config.shardRetryLimit + 1} times (workers crashed or it ran past SYNTHBUS_SHARD_EXPIRE_SECONDS)`);
  });
  for (let i = 0; i < config.workerConcurrency; i++) {
    await boss.work<ShardJob>(SHARD_QUEUE, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 }, handle);
  }
  log(`worker ${workerId}: ${config.workerConcurrency} slot(s) on queue ${SHARD_QUEUE}; models ${eng.models().map((m) => m.modelId).join(', ')}`);
  return {
    engine: eng,
    certifier,
    close: async () => {
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
      await hub.close();
      await ds.destroy();
      if (ownsEngine) await eng.close();
    },
  };
}
