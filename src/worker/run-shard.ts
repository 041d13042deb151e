// One shard job: start → generate → store → record each image → finish the order if complete.
// Safe to run twice, concurrently or after a crash: an image row is inserted only if absent
// (primary key order + index), and generation is deterministic, so a retried shard redoes only
// what was not recorded and produces the same bytes. The order's state changes all go through
// services/order-lifecycle.
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { DataSource } from 'typeorm';
import type { CohortCertificateInput, DeliveredImage, SignedCertificate } from '../domain/cohort';
import { classOfIndex } from '../domain/order-request';
import { isActive } from '../domain/order';
import type { SamplingEngine } from '../domain/sampling-engine';
import { OrderEntity } from '../entities/order';
import * as lifecycle from '../services/order-lifecycle';
import { publishOrderEvent } from '../services/order-events';
import type { ShardJob } from '../db/shard-queue';
import { lockBlob } from '../db/blob-locks';
import { ContentStore, StorageError } from '../storage/content-store';

export interface ShardDeps {
  ds: DataSource;
  engine: SamplingEngine;
  certify: (input: CohortCertificateInput) => SignedCertificate;
  store: ContentStore;
  batchSize: number;
  /** Recorded with each image: which worker made it. */
  workerId: string;
  log: (line: string) => void;
  storageRetry: StorageRetry;
  /** Told "storage unavailable, retrying: <cause>" while a store fault is retried, null once it clears. */
  onStorageFault?: (notice: string | null) => void;
}

/** Exponential backoff for storage faults: a full or unmounted disk is usually fixed in minutes. */
export interface StorageRetry {
  firstDelayMs: number;
  maxDelayMs: number;
  /** After this long the fault fails the shard's run (which is itself retried with backoff). */
  giveUpAfterMs: number;
}

/**
 * Stores the bytes, retrying a storage fault with backoff until it clears, `signal` aborts or time
 * runs out. The first fault of an episode is announced to the order's subscribers (STALLED).
 */
async function store(deps: ShardDeps, orderId: string, png: Buffer, signal: AbortSignal): Promise<string> {
  const { firstDelayMs, maxDelayMs, giveUpAfterMs } = deps.storageRetry;
  const since = Date.now();
  let faulted = false;
  for (let delay = firstDelayMs; ; delay = Math.min(delay * 2, maxDelayMs)) {
    try {
      const sha = await deps.store.put(png);
      if (faulted) deps.onStorageFault?.(null);
      return sha;
    } catch (e) {
      if (!(e instanceof StorageError) || Date.now() - since + delay > giveUpAfterMs) throw e;
      deps.log(`storage unavailable, retrying in ${delay / 1000} s: ${e.message}`);
      const notice = `storage unavailable, retrying: ${e.message}`;
      deps.onStorageFault?.(notice);
      if (!faulted) {
        await publishOrderEvent(deps.ds, orderId, 'STALLED', { stalledBecause: notice }).catch((err: Error) => deps.log(`order ${orderId}: could not announce the stall: ${err.message}`));
      }
      faulted = true;
      await sleep(delay, undefined, { signal });
    }
  }
}

async function missingIndices(ds: DataSource, job: ShardJob): Promise<number[]> {
  const rows = (await ds.query('SELECT idx FROM order_images WHERE order_id = $1 AND idx >= $2 AND idx < $3', [job.orderId, job.start, job.end])) as { idx: number }[];
  const have = new Set(rows.map((r) => r.idx));
  const missing: number[] = [];
  for (let i = job.start; i < job.end; i++) if (!have.has(i)) missing.push(i);
  return missing;
}

/**
 * Stores the bytes, then records the image with its size and CRC-32 (what a download's archive
 * needs) and its event, if absent and the order still runs. `unrecordedRejections` are the
 * rejections of this batch's images still to be recorded.
 */
async function record(deps: ShardDeps, orderId: string, img: DeliveredImage, unrecordedRejections: number, signal: AbortSignal): Promise<void> {
  const sha = await store(deps, orderId, img.png, signal);
  if (sha !== img.record.sha256) throw new Error(`image ${img.record.index}: engine reported sha256 ${img.record.sha256}, bytes hash to ${sha}`);
  const r = img.record;
  await deps.ds.transaction(async (m) => {
    // A cohort deletion may have removed these bytes since they were stored (another order filed
    // the same hash and was deleted): under the hash's lock, file them again before recording.
    await lockBlob(m, sha);
    if (!(await deps.store.has(sha))) await deps.store.put(img.png);
    const inserted = (await m.query(
      `INSERT INTO order_images (order_id, idx, birads, sha256, seed, attempt, nn_distance, rejections, record, delivered_by, bytes, crc32)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
        WHERE EXISTS (SELECT 1 FROM orders WHERE id = $1 AND status = 'RUNNING')
       ON CONFLICT (order_id, idx) DO NOTHING RETURNING idx`,
      [orderId, r.index, r.birads, r.sha256, r.seed, r.attempt, r.nnDistance, r.rejections.length, JSON.stringify(r), deps.workerId, img.png.length, crc32(img.png)],
    )) as unknown[];
    if (inserted.length) await publishOrderEvent(m, orderId, 'IMAGE_DELIVERED', { index: r.index, birads: r.birads, nnDistance: r.nnDistance }, unrecordedRejections);
  });
}

/**
 * Generates one batch. A rejection is stored with its image, which is recorded only after the
 * batch, so each IMAGE_REJECTED event adds the batch's rejections heard so far (each counts
 * itself). The events go out one after another and all before the batch's images land: this
 * worker's figures never go down, and no rejection is announced after the order's final event.
 */
async function generateBatch(deps: ShardDeps, order: OrderEntity, indices: number[], signal: AbortSignal): Promise<DeliveredImage[]> {
  const items = indices.map((index) => ({ index, birads: classOfIndex(order.counts, index) }));
  let heard = 0;
  let published: Promise<unknown> = Promise.resolve();
  try {
    return await deps.engine.generate(
      lifecycle.cohortParams(order),
      items,
      (rej) => {
        const soFar = ++heard;
        const extra = { index: rej.index, birads: classOfIndex(order.counts, rej.index), nnDistance: rej.nnDistance };
        published = published
          .then(() => publishOrderEvent(deps.ds, order.id, 'IMAGE_REJECTED', extra, soFar))
          .catch((e: Error) => deps.log(`order ${order.id}: could not publish a rejection: ${e.message}`));
      },
      signal,
    );
  } finally {
    await published;
  }
}

/**
 * Runs the shard until it is done or `signal` aborts (the order ended while it ran, or the worker
 * is draining). An aborted shard records nothing more and returns false; true: nothing is left.
 */
export async function runShard(deps: ShardDeps, job: ShardJob, signal: AbortSignal): Promise<boolean> {
  const order = await deps.ds.getRepository(OrderEntity).findOneBy({ id: job.orderId });
  if (!order || !isActive(order.status)) return true; // cancelled, failed or done: nothing left to do
  await lifecycle.start(deps.ds, order.id);
  const missing = await missingIndices(deps.ds, job);
  try {
    for (let b = 0; b < missing.length; b += deps.batchSize) {
      signal.throwIfAborted();
      const images = await generateBatch(deps, order, missing.slice(b, b + deps.batchSize), signal);
      let unrecorded = images.reduce((n, img) => n + img.record.rejections.length, 0);
      for (const img of images) {
        unrecorded -= img.record.rejections.length;
        await record(deps, order.id, img, unrecorded, signal);
      }
    }
  } catch (e) {
    if (signal.aborted) return false;
    throw e;
  }
  await lifecycle.finishIfComplete(deps.ds, order.id, deps.certify);
  return true;
}
