import { MigrationInterface, QueryRunner } from 'typeorm';

// A cohort's images can be deleted (by its partner, or when its retention ends) while the order,
// its image privacy records and its certificate stay. The deletion is a row of its own, so the
// orders table keeps one writer (services/order-lifecycle.ts marks it). `images_removed_at` is null
// until the store's bytes are gone: an interrupted removal is finished by the expiry sweeper.
export class CohortLifecycle1764600000001 implements MigrationInterface {
  name = 'CohortLifecycle1764600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cohort_deletions (
        order_id uuid PRIMARY KEY REFERENCES orders (id),
        reason text NOT NULL CHECK (reason IN ('PARTNER_DELETED', 'EXPIRED')),
        deleted_by text NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now(),
        images_removed integer CHECK (images_removed >= 0),
        images_kept integer CHECK (images_kept >= 0),
        images_removed_at timestamptz
      )`);
    await q.query(`CREATE INDEX cohort_deletions_pending ON cohort_deletions (deleted_at) WHERE images_removed_at IS NULL`);
    // The sweeper's scan (ended orders by age) and the shared-bytes check (who else files this hash).
    await q.query(`CREATE INDEX orders_finished_at ON orders (finished_at) WHERE finished_at IS NOT NULL`);
    await q.query(`CREATE INDEX order_images_sha256 ON order_images (sha256)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON cohort_deletions TO synthbus_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX order_images_sha256');
    await q.query('DROP INDEX orders_finished_at');
    await q.query('DROP TABLE cohort_deletions');
  }
}
