import { MigrationInterface, QueryRunner } from 'typeorm';

// How many times a shard's lease lapsed (its worker went silent while running it). A shard that
// kills every worker that runs it (out of memory, a crash in the model) would otherwise be handed
// on forever; past SYNTHBUS_SHARD_LAPSE_LIMIT its order fails with the reason.
export class ShardLapses1764600000007 implements MigrationInterface {
  name = 'ShardLapses1764600000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE shard_jobs ADD COLUMN lapses integer NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE shard_jobs DROP COLUMN lapses');
  }
}
