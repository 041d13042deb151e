import { MigrationInterface, QueryRunner } from 'typeorm';

// Reads are audited off the request's critical path (src/audit/pending.ts): a request appends its
// entry to audit_pending (a plain INSERT, no lock) and one chainer at a time links pending entries
// into audit_log, deleting each in the same transaction. audit_log.pending_id names the pending
// entry a chained one came from (outside the hash), so that a pending entry can only be deleted
// once it is in the chain: the app role cannot make an accepted entry vanish.
export class AuditPending1764600000003 implements MigrationInterface {
  name = 'AuditPending1764600000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_pending (
        id uuid PRIMARY KEY,
        at timestamptz NOT NULL,
        entry jsonb NOT NULL,
        mac text
      )`);
    await q.query('CREATE INDEX audit_pending_order ON audit_pending (at, id)');
    await q.query('ALTER TABLE audit_log ADD COLUMN pending_id uuid UNIQUE');
    await q.query(`
      CREATE FUNCTION audit_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_log WHERE pending_id = OLD.id) THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_pending: % refused (an entry leaves only by being chained into audit_log)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query('CREATE TRIGGER audit_pending_guard BEFORE UPDATE OR DELETE ON audit_pending FOR EACH ROW EXECUTE FUNCTION audit_pending_guard()');
    await q.query('CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()');
    await q.query('GRANT SELECT, INSERT, DELETE ON audit_pending TO synthbus_app');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_pending');
    await q.query('DROP FUNCTION audit_pending_guard()');
    await q.query('ALTER TABLE audit_log DROP COLUMN pending_id');
  }
}
