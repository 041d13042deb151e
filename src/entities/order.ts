import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Sampler } from '../domain/model';
import type { ClassCount, OrderStatus } from '../domain/order';

// bigint arrives from pg as a string; seeds stay below 2^53, so a number is exact.
const bigintAsNumber = { to: (v: number) => v, from: (v: string) => Number(v) };

@Entity('orders')
export class OrderEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'partner_id' }) partnerId: string;
  @Column('text', { name: 'model_id' }) modelId: string;
  @Column('text') status: OrderStatus;
  @Column('integer') size: number;
  /** Images per class, ascending BI-RADS; sums to size. */
  @Column('jsonb') counts: ClassCount[];
  /** The mix exactly as the partner sent it. */
  @Column('jsonb', { name: 'mix_input' }) mixInput: unknown;
  @Column('bigint', { name: 'order_seed', transformer: bigintAsNumber }) seed: number;
  /** The sampler every image of the order is made with. */
  @Column('text') sampler: Sampler;
  @Column('integer') steps: number;
  @Column('double precision') guidance: number;
  @Column('integer', { name: 'shard_size' }) shardSize: number;
  /** The id of each shard's shard_jobs row, chosen when the order is placed. */
  @Column('uuid', { name: 'shard_job_ids', array: true }) shardJobIds: string[];
  @Column('uuid', { name: 'certificate_id' }) certificateId: string;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotencyKey: string | null;
  @Column('text', { name: 'request_hash' }) requestHash: string;
  @Column('text', { name: 'failure_reason', nullable: true }) failureReason: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
}

@Entity('order_images')
export class OrderImageEntity {
  @PrimaryColumn('uuid', { name: 'order_id' }) orderId: string;
  @PrimaryColumn('integer') idx: number;
  @Column('integer') birads: number;
  @Column('text') sha256: string;
  @Column('text') seed: string;
  @Column('integer') attempt: number;
  @Column('double precision', { name: 'nn_distance' }) nnDistance: number;
  @Column('integer') rejections: number;
  @Column('jsonb') record: unknown;
  /** The worker (host:pid) that recorded the image. */
  @Column('text', { name: 'delivered_by' }) deliveredBy: string;
  /** The PNG's length and CRC-32, recorded with it (null on rows older than the column). */
  @Column('integer', { nullable: true }) bytes: number | null;
  @Column('bigint', { nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } }) crc32: number | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}

@Entity('certificates')
export class CertificateEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'order_id' }) orderId: string;
  @Column('text', { name: 'key_id' }) keyId: string;
  @Column('text') payload: string;
  @Column('text') signature: string;
  @Column('boolean') passed: boolean;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}
