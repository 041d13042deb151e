// The model catalog and signing keys the API serves. Workers announce the bundles they loaded; the API reads the
// table, so API replicas need neither model files nor ONNX.
import { DataSource } from 'typeorm';
import type { ModelSummary, PublicKeyInfo } from '../domain/model';
import { ModelEntity } from '../entities/model';

export async function registerModels(ds: DataSource, models: ModelSummary[]): Promise<void> {
  for (const summary of models) {
    await ds.query(
      `INSERT INTO models (model_id, summary, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (model_id) DO UPDATE SET summary = EXCLUDED.summary, updated_at = now()`,
      [summary.modelId, JSON.stringify(summary)],
    );
  }
}

/** Workers announce the certificate signing keys' public halves, which the API publishes. */
export async function registerSigningKeys(ds: DataSource, keys: PublicKeyInfo[]): Promise<void> {
  for (const k of keys) {
    await ds.query(
      `INSERT INTO signing_keys (key_id, public_key_pem, created_at, current) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key_id) DO UPDATE SET current = EXCLUDED.current, announced_at = now()`,
      [k.keyId, k.publicKeyPem, k.createdAt, k.current],
    );
  }
}

export async function listSigningKeys(ds: DataSource): Promise<PublicKeyInfo[]> {
  const rows = (await ds.query('SELECT key_id, public_key_pem, created_at, current FROM signing_keys ORDER BY current DESC, created_at DESC')) as {
    key_id: string;
    public_key_pem: string;
    created_at: string;
    current: boolean;
  }[];
  return rows.map((r) => ({ keyId: r.key_id, publicKeyPem: r.public_key_pem, createdAt: r.created_at, current: r.current }));
}

export async function listModels(ds: DataSource): Promise<ModelSummary[]> {
  const rows = await ds.getRepository(ModelEntity).find({ order: { modelId: 'ASC' } });
  return rows.map((r) => r.summary);
}

export async function findModel(ds: DataSource, modelId: string): Promise<ModelSummary | null> {
  const row = await ds.getRepository(ModelEntity).findOneBy({ modelId });
  return row?.summary ?? null;
}
