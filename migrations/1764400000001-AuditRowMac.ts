import { MigrationInterface, QueryRunner } from 'typeorm';

// An HMAC of each audit entry's hash, made by the API with a key the database never holds, so an
// entry inserted directly into the table (correctly chained or not) is told from the API's own.
// Entries written before this column existed keep NULL.
export class AuditRowMac1764400000001 implements MigrationInterface {
  name = 'AuditRowMac1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_log ADD COLUMN mac text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_log DROP COLUMN mac');
  }
}
