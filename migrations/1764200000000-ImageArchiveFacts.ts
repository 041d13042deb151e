import { MigrationInterface, QueryRunner } from 'typeorm';

// Each image row records its PNG's length and CRC-32 when the worker stores it, so building a
// download's archive (zip needs both up front) never reads the image bytes twice. Rows written
// before this migration keep NULL; delivery computes those from the store.
export class ImageArchiveFacts1764200000000 implements MigrationInterface {
  name = 'ImageArchiveFacts1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE order_images
        ADD COLUMN bytes integer CHECK (bytes > 0),
        ADD COLUMN crc32 bigint CHECK (crc32 >= 0 AND crc32 < 4294967296)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE order_images DROP COLUMN crc32, DROP COLUMN bytes');
  }
}
