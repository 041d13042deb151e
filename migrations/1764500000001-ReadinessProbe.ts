import { MigrationInterface, QueryRunner } from 'typeorm';

// The API's /readyz compares the applied migrations with those it was built with: the app role
// may read which are applied (nothing else of the table).
export class ReadinessProbe1764500000001 implements MigrationInterface {
  name = 'ReadinessProbe1764500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('GRANT SELECT (timestamp) ON migrations TO synthbus_app');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('REVOKE SELECT (timestamp) ON migrations FROM synthbus_app');
  }
}
