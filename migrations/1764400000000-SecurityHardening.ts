import { MigrationInterface, QueryRunner } from 'typeorm';

// Rate-limit counters shared by every API replica (rate-limiter-flexible's Postgres layout), and
// the signed checkpoints of the audit chain. A checkpoint's signature is made with a key the
// database never holds, so these rows are a copy for the admin query, not the source of trust.
export class SecurityHardening1764400000000 implements MigrationInterface {
  name = 'SecurityHardening1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rate_limits (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limits TO synthbus_app`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        seq bigint NOT NULL,
        hash text NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature text NOT NULL,
        PRIMARY KEY (seq, signed_at)
      )`);
    await q.query(`GRANT SELECT, INSERT ON audit_checkpoints TO synthbus_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_checkpoints');
    await q.query('DROP TABLE rate_limits');
  }
}
