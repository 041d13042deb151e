import { MigrationInterface, QueryRunner } from 'typeorm';

// Each order names its sampler. Orders placed before there was a choice were made with DDIM.
export class OrderSampler1764500000000 implements MigrationInterface {
  name = 'OrderSampler1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders ADD COLUMN sampler text NOT NULL DEFAULT 'DDIM' CHECK (sampler IN ('DDIM', 'DPM_SOLVER_PP'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE orders DROP COLUMN sampler');
  }
}
