// Quoting, placing and cancelling cohort orders.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { Config } from '../config';
import { enqueueShards, requeueOrderShards } from '../db/shard-queue';
import { canonicalize } from '../domain/canonical-json';
import { OrderRequest, ValidOrder, validateOrderRequest } from '../domain/order-request';
import { OrderEntity } from '../entities/order';
import { PartnerEntity } from '../entities/partner';
import { requireCurrentAcceptance } from './agreements';
import { AppError, asBadInput, badInput } from './errors';
import { findModel } from './models';
import * as lifecycle from './order-lifecycle';
import type { PartnerPrincipal } from './principal';
import type { QuotaUsage, Quotas } from '../domain/quota';
import { checkQuotas, effectiveQuotas, quotaUsage } from './quotas';
import { planShards } from './shards';

export interface OrderDeps {
  ds: DataSource;
  config: Pick<Config, 'quotaDefaults' | 'shardSize'>;
}

export interface OrderQuote extends ValidOrder {
  shards: number;
  quotas: Quotas;
  usage: QuotaUsage;
}

async function validated(deps: OrderDeps, m: EntityManager, partnerId: string, r: OrderRequest, lock: boolean) {
  const model = await findModel(deps.ds, r.modelId);
  const v = asBadInput(() => validateOrderRequest(r, model));
  const partner = await m.getRepository(PartnerEntity).findOne({ where: { id: partnerId }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  if (!partner) throw new Error(`partner ${partnerId} vanished`);
  const quotas = effectiveQuotas(partner, deps.config.quotaDefaults);
  const usage = await quotaUsage(m, partnerId);
  checkQuotas(quotas, usage, v.size);
  return { v, quotas, usage };
}

/** What an order would be: the apportioned counts and parameters, checked against the quotas. */
export async function quoteOrder(deps: OrderDeps, who: PartnerPrincipal, r: OrderRequest): Promise<OrderQuote> {
  const { v, quotas, usage } = await validated(deps, deps.ds.manager, who.partnerId, r, false);
  return { ...v, shards: Math.ceil(v.size / deps.config.shardSize), quotas, usage };
}

function requestHash(r: OrderRequest): string {
  return createHash('sha256').update(canonicalize(r)).digest('hex');
}

function isUniqueViolation(e: unknown): boolean {
  return e instanceof QueryFailedError && (e.driverError as { code?: string }).code === '23505';
}

async function byIdempotencyKey(db: DataSource | EntityManager, partnerId: string, key: string, hash: string): Promise<OrderEntity | null> {
  const existing = await db.getRepository(OrderEntity).findOneBy({ partnerId, idempotencyKey: key });
  if (existing && existing.requestHash !== hash) {
    throw new AppError('CONFLICT', 'IDEMPOTENCY_KEY_REUSED', `Idempotency key "${key}" was already used for a different order (${existing.id}).`, { field: 'idempotencyKey' });
  }
  return existing;
}

/**
 * Places an order: validation, agreement and quota checks, the order row, its shard jobs and the
 * QUEUED event commit together. Retrying with the same idempotency key returns the first order.
 */
export async function placeOrder(deps: OrderDeps, who: PartnerPrincipal, r: OrderRequest, idempotencyKey: string | null): Promise<OrderEntity> {
  const { ds, config } = deps;
  if (idempotencyKey !== null && (idempotencyKey.length < 1 || idempotencyKey.length > 200)) {
    throw badInput('idempotencyKey', 'IDEMPOTENCY_KEY_INVALID', 'idempotencyKey must be 1 to 200 characters.');
  }
  const hash = requestHash(r);
  if (idempotencyKey) {
    const existing = await byIdempotencyKey(ds, who.partnerId, idempotencyKey, hash);
    if (existing) return existing;
  }
  await requireCurrentAcceptance(ds, who.partnerId);
  try {
    return await ds.transaction(async (m) => {
      if (idempotencyKey) {
        // Under the partner's lock, which serializes its placements: a retry that raced the first
        // request sees the committed order here, before the quotas (which that order now fills).
        await m.query('SELECT 1 FROM partners WHERE id = $1 FOR UPDATE', [who.partnerId]);
        const existing = await byIdempotencyKey(m, who.partnerId, idempotencyKey, hash);
        if (existing) return existing;
      }
      const { v } = await validated(deps, m, who.partnerId, r, true);
      const shards = planShards('', v.size, config.shardSize);
      const order = m.getRepository(OrderEntity).create({
        id: randomUUID(),
        partnerId: who.partnerId,
        modelId: v.model.modelId,
        size: v.size,
        counts: v.counts,
        mixInput: r.mix,
        seed: v.seed ?? randomInt(0, 2 ** 47),
        sampler: v.sampler,
        steps: v.steps,
        guidance: v.guidance,
        shardSize: config.shardSize,
        shardJobIds: shards.map(() => randomUUID()),
        certificateId: randomUUID(),
        idempotencyKey,
        requestHash: hash,
        failureReason: null,
        createdAt: new Date(),
        startedAt: null,
        finishedAt: null,
      });
      await lifecycle.queue(m, order);
      // In the order's transaction: the order never exists without its shards. Each shard names the
      // bundle the order was validated against, so one bundle makes the whole cohort.
      await enqueueShards(m, shards.map((shard, i) => ({ ...shard, id: order.shardJobIds[i], orderId: order.id, modelId: v.model.modelId, bundleHash: v.model.bundleHash })));
      return order;
    });
  } catch (e) {
    // Two concurrent retries with one key: the loser returns the winner's order.
    if (idempotencyKey && isUniqueViolation(e)) {
      const existing = await byIdempotencyKey(ds, who.partnerId, idempotencyKey, hash);
      if (existing) return existing;
    }
    throw e;
  }
}

/**
 * Cancels a queued or running order: its queued shard jobs are withdrawn, and a worker in the
 * middle of one stops through its abort signal when the CANCELLED event reaches it.
 */
export function cancelOrder(deps: Pick<OrderDeps, 'ds'>, order: OrderEntity): Promise<OrderEntity> {
  return lifecycle.cancel(deps.ds, order.id);
}

/**
 * Retries an order that failed for want of infrastructure (an admin, once it is fixed): the order
 * is QUEUED again and its shards too; each redoes only the images that were not recorded.
 */
export function retryOrder(deps: Pick<OrderDeps, 'ds'>, order: OrderEntity): Promise<OrderEntity> {
  return deps.ds.transaction(async (m) => {
    const queued = await lifecycle.retry(m, order.id);
    await requeueOrderShards(m, order.id);
    return queued;
  });
}
