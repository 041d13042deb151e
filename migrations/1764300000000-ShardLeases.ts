import { MigrationInterface, QueryRunner } from 'typeorm';

// Shard jobs become plain rows claimed with FOR UPDATE SKIP LOCKED and leased to a worker that
// heartbeats (issue 10): a worker silent for longer than the lease loses its shards to the queue at
// once, and a healthy shard never expires however long it runs. Each shard records the bundle its
// order was placed against, so only a worker holding that bundle claims it. Orders still active
// are carried over from pg-boss with all their shards queued: a shard redoes only missing images.
export class ShardLeases1764300000000 implements MigrationInterface {
  name = 'ShardLeases1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workers (
        id text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL CHECK (status IN ('STARTING', 'READY', 'DRAINING', 'FAILED')),
        detail text,
        models jsonb NOT NULL DEFAULT '[]',
        running uuid[] NOT NULL DEFAULT '{}'
      )`);
    await q.query(`
      CREATE TABLE shard_jobs (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders (id),
        shard integer NOT NULL CHECK (shard >= 0),
        first_index integer NOT NULL CHECK (first_index >= 0),
        end_index integer NOT NULL,
        model_id text NOT NULL,
        bundle_hash text,
        state text NOT NULL CHECK (state IN ('QUEUED', 'ACTIVE', 'DONE', 'CANCELLED')),
        worker_id text,
        claimed_at timestamptz,
        failures integer NOT NULL DEFAULT 0,
        run_after timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (order_id, shard),
        CHECK (end_index > first_index),
        CHECK ((state = 'ACTIVE') = (worker_id IS NOT NULL AND claimed_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX shard_jobs_claimable ON shard_jobs (created_at, shard) WHERE state = 'QUEUED'`);
    await q.query(`CREATE INDEX shard_jobs_leased ON shard_jobs (worker_id) WHERE state = 'ACTIVE'`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON workers TO synthbus_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON shard_jobs TO synthbus_app`);
    await q.query(`
      INSERT INTO shard_jobs (id, order_id, shard, first_index, end_index, model_id, state, created_at)
      SELECT o.shard_job_ids[s + 1], o.id, s, s * o.shard_size, least(o.size, (s + 1) * o.shard_size), o.model_id, 'QUEUED', o.created_at
        FROM orders o, generate_series(0, cardinality(o.shard_job_ids) - 1) AS s
       WHERE o.status IN ('QUEUED', 'RUNNING')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE shard_jobs');
    await q.query('DROP TABLE workers');
  }
}
