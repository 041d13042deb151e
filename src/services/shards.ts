// An order of N images becomes ceil(N / shardSize) jobs of consecutive image indices.
import type { EntityManager } from 'typeorm';
import type { ReapedShard } from '../db/leases';
import type { ShardJob } from '../db/shard-queue';
import * as lifecycle from './order-lifecycle';

export type { ShardJob };

export function planShards(orderId: string, size: number, shardSize: number): ShardJob[] {
  const jobs: ShardJob[] = [];
  for (let start = 0, shard = 0; start < size; start += shardSize, shard++) {
    jobs.push({ orderId, shard, start, end: Math.min(size, start + shardSize) });
  }
  return jobs;
}

/**
 * A shard whose worker died each time it ran it (killed, out of memory, a crash in the model)
 * fails its order, with the reason, instead of being handed on forever (the lease keeper's
 * onGaveUp, inside its transaction).
 */
export function failOrderOfLostShard(m: EntityManager, s: ReapedShard): Promise<void> {
  const reason = `shard ${s.shard} (images ${s.start}-${s.end - 1}) lost its worker ${s.lapses} times: each worker running it stopped before finishing (killed, or out of memory?)`;
  return lifecycle.fail(m, s.orderId, reason);
}
