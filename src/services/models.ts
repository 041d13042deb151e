// The model catalog the API serves. Workers announce the bundles they loaded; the API reads the
// table, so API replicas need neither model files nor ONNX.
import { DataSource } from 'typeorm';
import type { ModelSummary } from '../generation/contract';
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

export async function listModels(ds: DataSource): Promise<ModelSummary[]> {
  const rows = await ds.getRepository(ModelEntity).find({ order: { modelId: 'ASC' } });
  return rows.map((r) => r.summary);
}

export async function findModel(ds: DataSource, modelId: string): Promise<ModelSummary | null> {
  const row = await ds.getRepository(ModelEntity).findOneBy({ modelId });
  return row?.summary ?? null;
}
