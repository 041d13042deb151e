// One shard job: make the shard's missing images, record each atomically, and certify the order
// when its last image lands. Safe to run twice, concurrently or after a crash: an image row is
// inserted only if absent (primary key order + index), and generation is deterministic, so a
// retried shard redoes only what was not recorded and produces the same bytes.
import { DataSource, EntityManager } from 'typeorm';
import type { CohortParams, DeliveredImage, ImagePrivacyRecord, SamplingEngine } from '../generation/contract';
import { CertificateEntity, OrderEntity } from '../entities/order';
import { publishOrderEvent } from '../services/order-events';
import { classOfIndex } from '../services/order-request';
import type { ShardJob } from '../services/shards';
import type { ContentStore } from '../storage/content-store';

export interface ShardDeps {
  ds: DataSource;
  engine: SamplingEngine;
  store: ContentStore;
  batchSize: number;
  /** Recorded with each image: which worker made it. */
  workerId: string;
  log: (line: string) => void;
}

function paramsOf(o: OrderEntity): CohortParams {
  return { modelId: o.modelId, orderId: o.id, certificateId: o.certificateId, orderSeed: o.orderSeed, steps: o.steps, guidance: o.guidance };
}

async function statusOf(ds: DataSource, orderId: string): Promise<OrderEntity['status'] | null> {
  const o = await ds.getRepository(OrderEntity).findOne({ where: { id: orderId }, select: { id: true, status: true } });
  return o?.status ?? null;
}

async function markStarted(ds: DataSource, orderId: string): Promise<void> {
  await ds.transaction(async (m) => {
    const res = (await m.query(`UPDATE orders SET status = 'RUNNING', started_at = now() WHERE id = $1 AND status = 'QUEUED' RETURNING id`, [orderId])) as unknown[][];
    if (res[0]?.length) await publishOrderEvent(m, orderId, 'STARTED');
  });
}

/**
 * Stores the bytes, then records the image (if absent and the order still runs) with its event;
 * `unrecordedRejections` are the rejections of this batch's images still to be recorded.
 */
async function deliver(deps: ShardDeps, orderId: string, img: DeliveredImage, unrecordedRejections: number): Promise<void> {
  const sha = await deps.store.put(img.png);
  if (sha !== img.record.sha256) throw new Error(`image ${img.record.index}: engine reported sha256 ${img.record.sha256}, bytes hash to ${sha}`);
  const r = img.record;
  await deps.ds.transaction(async (m) => {
    const inserted = (await m.query(
      `INSERT INTO order_images (order_id, idx, birads, sha256, seed, attempt, nn_distance, rejections, record, delivered_by)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
        WHERE EXISTS (SELECT 1 FROM orders WHERE id = $1 AND status = 'RUNNING')
       ON CONFLICT (order_id, idx) DO NOTHING RETURNING idx`,
      [orderId, r.index, r.birads, r.sha256, r.seed, r.attempt, r.nnDistance, r.rejections.length, JSON.stringify(r), deps.workerId],
    )) as unknown[];
    if (inserted.length) await publishOrderEvent(m, orderId, 'IMAGE_DELIVERED', { index: r.index, birads: r.birads, nnDistance: r.nnDistance }, unrecordedRejections);
  });
}

/** Certifies and closes the order if every image is recorded; exactly one worker gets to do it. */
async function finalize(deps: ShardDeps, orderId: string): Promise<void> {
  await deps.ds.transaction(async (m: EntityManager) => {
    const o = await m.getRepository(OrderEntity).findOne({ where: { id: orderId }, lock: { mode: 'pessimistic_write' } });
    if (!o || o.status !== 'RUNNING') return;
    const rows = (await m.query('SELECT record FROM order_images WHERE order_id = $1 ORDER BY idx', [orderId])) as { record: ImagePrivacyRecord }[];
    if (rows.length < o.size) return;
    const completedAt = new Date();
    const cert = deps.engine.certify({
      params: paramsOf(o),
      images: rows.map((r) => r.record),
      order: { orderId: o.id, modelId: o.modelId, size: o.size, counts: o.counts, mix: o.mixInput, seed: o.orderSeed, steps: o.steps, guidance: o.guidance },
      createdAt: o.createdAt.toISOString(),
      completedAt: completedAt.toISOString(),
    });
    await m.getRepository(CertificateEntity).insert({
      id: cert.certificateId,
      orderId: o.id,
      keyId: cert.keyId,
      payload: cert.payload,
      signature: cert.signature,
      passed: cert.passed,
      reason: cert.reason,
      createdAt: completedAt,
    });
    const status = cert.passed ? 'COMPLETED' : 'FAILED';
    const failureReason = cert.passed ? null : `cohort privacy check failed: ${cert.reason ?? 'no reason given'}`;
    await m.getRepository(OrderEntity).update({ id: o.id }, { status, failureReason, finishedAt: completedAt });
    await publishOrderEvent(m, o.id, status);
  });
}

export async function runShard(deps: ShardDeps, job: ShardJob): Promise<void> {
  const order = await deps.ds.getRepository(OrderEntity).findOneBy({ id: job.orderId });
  if (!order || !['QUEUED', 'RUNNING'].includes(order.status)) return; // cancelled, failed or done: nothing left to do
  await markStarted(deps.ds, order.id);
  const have = new Set(
    ((await deps.ds.query('SELECT idx FROM order_images WHERE order_id = $1 AND idx >= $2 AND idx < $3', [order.id, job.start, job.end])) as { idx: number }[]).map((r) => r.idx),
  );
  const missing: number[] = [];
  for (let i = job.start; i < job.end; i++) if (!have.has(i)) missing.push(i);
  for (let b = 0; b < missing.length; b += deps.batchSize) {
    if ((await statusOf(deps.ds, order.id)) !== 'RUNNING') return; // cancelled while we worked
    const items = missing.slice(b, b + deps.batchSize).map((index) => ({ index, birads: classOfIndex(order.counts, index) }));
    // A rejection is stored with its image, which is recorded only after the batch, so each event
    // adds the batch's rejections heard so far (each counts itself). The events go out one after
    // another and all before the batch's images land: this worker's figures never go down, and no
    // rejection is announced after the order's final event.
    let heard = 0;
    let published: Promise<unknown> = Promise.resolve();
    let images: DeliveredImage[];
    try {
      images = await deps.engine.generate(paramsOf(order), items, (rej) => {
        const soFar = ++heard;
        const extra = { index: rej.index, birads: classOfIndex(order.counts, rej.index), nnDistance: rej.nnDistance };
        published = published
          .then(() => publishOrderEvent(deps.ds, order.id, 'IMAGE_REJECTED', extra, soFar))
          .catch((e: Error) => deps.log(`order ${order.id}: could not publish a rejection: ${e.message}`));
      });
    } finally {
      await published;
    }
    let unrecorded = images.reduce((n, img) => n + img.record.rejections.length, 0);
    for (const img of images) {
      unrecorded -= img.record.rejections.length;
      await deliver(deps, order.id, img, unrecorded);
    }
  }
  await finalize(deps, order.id);
}

/** Marks the order failed (from QUEUED or RUNNING) with a reason the partner can read. */
export async function failOrder(ds: DataSource, orderId: string, reason: string): Promise<void> {
  await ds.transaction(async (m) => {
    const res = (await m.query(
      `UPDATE orders SET status = 'FAILED', failure_reason = $2, finished_at = now() WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING id`,
      [orderId, reason],
    )) as unknown[][];
    if (res[0]?.length) await publishOrderEvent(m, orderId, 'FAILED');
  });
}
