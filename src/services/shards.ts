// An order of N images becomes ceil(N / shardSize) jobs of consecutive image indices.
import type { ShardJob } from '../db/shard-queue';

export type { ShardJob };

export function planShards(orderId: string, size: number, shardSize: number): ShardJob[] {
  const jobs: ShardJob[] = [];
  for (let start = 0, shard = 0; start < size; start += shardSize, shard++) {
    jobs.push({ orderId, shard, start, end: Math.min(size, start + shardSize) });
  }
  return jobs;
}
