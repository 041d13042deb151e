import { MigrationInterface, QueryRunner } from 'typeorm';

// Partner webhooks (docs/webhooks.md). A webhook's signing secret is stored sealed (AES-256-GCM
// under a key the database never holds), so a database dump cannot forge deliveries. Deliveries
// are a queue like shard_jobs: rows inserted in the transaction of the order event they announce,
// claimed with FOR UPDATE SKIP LOCKED; each keeps its attempts for the partner to see.
export class Webhooks1764600000000 implements MigrationInterface {
  name = 'Webhooks1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY,
        partner_id uuid NOT NULL REFERENCES partners(id),
        url text NOT NULL CHECK (length(url) <= 2048),
        events text[] NOT NULL CHECK (cardinality(events) > 0),
        secret_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        secret_rotated_at timestamptz
      )`);
    await q.query('CREATE INDEX webhooks_partner ON webhooks (partner_id, created_at)');
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        order_id uuid NOT NULL REFERENCES orders(id),
        event text NOT NULL,
        body text NOT NULL,
        state text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
        attempt_count integer NOT NULL DEFAULT 0,
        attempts jsonb NOT NULL DEFAULT '[]',
        next_attempt_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'PENDING'`);
    await q.query('CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at DESC, id DESC)');
    await q.query('GRANT SELECT, INSERT, UPDATE, DELETE ON webhooks TO synthbus_app');
    await q.query('GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO synthbus_app');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE webhooks');
  }
}
