import { MigrationInterface, QueryRunner } from 'typeorm';

// The marketplace schema, the least-privilege app role, and the append-only audit log.
export class Initial1764100000000 implements MigrationInterface {
  name = 'Initial1764100000000';

  async up(q: QueryRunner): Promise<void> {
    // Roles are cluster-wide: another database of the same cluster may have created it already.
    await q.query(`
      DO $$ BEGIN
        CREATE ROLE synthbus_app NOLOGIN;
      EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await q.query(`
      DO $$ BEGIN
        EXECUTE format('GRANT synthbus_app TO %I', current_user);
      EXCEPTION WHEN duplicate_object THEN NULL; END $$`);

    await q.query(`
      CREATE TABLE partners (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        institution text NOT NULL,
        contact_email text NOT NULL,
        purpose text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'SUSPENDED', 'REJECTED')),
        status_reason text,
        quota_images_per_order integer CHECK (quota_images_per_order > 0),
        quota_images_per_30_days integer CHECK (quota_images_per_30_days > 0),
        quota_concurrent_orders integer CHECK (quota_concurrent_orders > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        status_changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE agreements (
        version integer PRIMARY KEY CHECK (version > 0),
        text text NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid REFERENCES partners(id),
        role text NOT NULL CHECK (role IN ('ADMIN', 'PARTNER')),
        name text NOT NULL,
        token_prefix text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CHECK ((role = 'ADMIN') = (partner_id IS NULL))
      )`);
    await q.query(`CREATE INDEX api_keys_partner ON api_keys (partner_id)`);
    await q.query(`
      CREATE TABLE agreement_acceptances (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid NOT NULL REFERENCES partners(id),
        agreement_version integer NOT NULL REFERENCES agreements(version),
        api_key_id uuid NOT NULL REFERENCES api_keys(id),
        accepted_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (partner_id, agreement_version)
      )`);
    await q.query(`
      CREATE TABLE models (
        model_id text PRIMARY KEY,
        summary jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE signing_keys (
        key_id text PRIMARY KEY,
        public_key_pem text NOT NULL,
        created_at text NOT NULL,
        current boolean NOT NULL,
        announced_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid NOT NULL REFERENCES partners(id),
        model_id text NOT NULL,
        status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')),
        size integer NOT NULL CHECK (size > 0),
        counts jsonb NOT NULL,
        mix_input jsonb NOT NULL,
        order_seed bigint NOT NULL CHECK (order_seed >= 0),
        steps integer NOT NULL,
        guidance double precision NOT NULL,
        shard_size integer NOT NULL CHECK (shard_size > 0),
        shard_job_ids uuid[] NOT NULL,
        certificate_id uuid NOT NULL UNIQUE,
        idempotency_key text,
        request_hash text NOT NULL,
        failure_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        UNIQUE (partner_id, idempotency_key)
      )`);
    await q.query(`CREATE INDEX orders_partner_created ON orders (partner_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE order_images (
        order_id uuid NOT NULL REFERENCES orders(id),
        idx integer NOT NULL CHECK (idx >= 0),
        birads integer NOT NULL,
        sha256 text NOT NULL,
        seed text NOT NULL,
        attempt integer NOT NULL,
        nn_distance double precision NOT NULL,
        rejections integer NOT NULL,
        record jsonb NOT NULL,
        delivered_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (order_id, idx)
      )`);
    await q.query(`
      CREATE TABLE certificates (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL UNIQUE REFERENCES orders(id),
        key_id text NOT NULL,
        payload text NOT NULL,
        signature text NOT NULL,
        passed boolean NOT NULL,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        key_id uuid,
        action text NOT NULL,
        target_type text,
        target_id text,
        outcome text NOT NULL,
        detail jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL UNIQUE
      )`);
    await q.query(`CREATE INDEX audit_log_action ON audit_log (action, seq)`);
    await q.query(`CREATE INDEX audit_log_target ON audit_log (target_id, seq)`);
    // Second line of defence behind the grants: nobody, not even the owner, rewrites history.
    await q.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`);

    await q.query(
      `INSERT INTO agreements (version, text) VALUES (1, $1)`,
      [
        'SynthBUS data-use agreement, version 1. Synthetic images are for research and education only; ' +
          'they are not for clinical diagnosis. You will not attempt to re-identify any person from the ' +
          'model or its outputs, will cite the model card and the BUS-BRA dataset in publications, and will ' +
          'not redistribute cohorts outside your institution without written consent.',
      ],
    );

    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM synthbus_app`);
    await q.query(`GRANT USAGE ON SCHEMA public TO synthbus_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON partners, api_keys, models, signing_keys, orders TO synthbus_app`);
    await q.query(`GRANT SELECT, INSERT ON agreements, agreement_acceptances, order_images, certificates TO synthbus_app`);
    await q.query(`GRANT SELECT, INSERT ON audit_log TO synthbus_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['audit_log', 'certificates', 'order_images', 'orders', 'signing_keys', 'models', 'agreement_acceptances', 'api_keys', 'agreements', 'partners']) {
      await q.query(`DROP TABLE ${t}`);
    }
    await q.query(`DROP FUNCTION audit_log_refuse_change()`);
  }
}
