import { MigrationInterface, QueryRunner } from 'typeorm';

// Organisation members with roles: every partner key belongs to a member. Each existing partner
// gets one ADMIN member named after its contact, who owns its existing keys. Audit entries name
// the member who acted; existing entries keep NULL there, and their hashes (which cover the
// member only when there is one) verify unchanged.
export class PartnerMembers1764600000002 implements MigrationInterface {
  name = 'PartnerMembers1764600000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE members (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid NOT NULL REFERENCES partners(id),
        name text NOT NULL,
        email text,
        role text NOT NULL CHECK (role IN ('VIEWER', 'ORDERER', 'ADMIN')),
        created_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz
      )`);
    await q.query(`CREATE INDEX members_partner ON members (partner_id)`);
    await q.query(`ALTER TABLE api_keys ADD COLUMN member_id uuid REFERENCES members(id)`);
    await q.query(`
      WITH initial AS (
        INSERT INTO members (partner_id, name, email, role, created_at)
        SELECT id, name, contact_email, 'ADMIN', created_at FROM partners
        RETURNING id, partner_id
      )
      UPDATE api_keys k SET member_id = initial.id FROM initial WHERE k.partner_id = initial.partner_id`);
    await q.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_member CHECK ((role = 'ADMIN') = (member_id IS NULL))`);
    await q.query(`CREATE INDEX api_keys_member ON api_keys (member_id)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON members TO synthbus_app`);
    await q.query(`ALTER TABLE audit_log ADD COLUMN member_id uuid, ADD COLUMN member_name text`);
    await q.query(`CREATE INDEX audit_log_member ON audit_log (member_id, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX audit_log_member');
    await q.query('ALTER TABLE audit_log DROP COLUMN member_name, DROP COLUMN member_id');
    await q.query('ALTER TABLE api_keys DROP CONSTRAINT api_keys_member');
    await q.query('ALTER TABLE api_keys DROP COLUMN member_id');
    await q.query('DROP TABLE members');
  }
}
