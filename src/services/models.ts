// The model catalog and signing keys the API serves. Workers announce the bundles they loaded; the API reads the
// table, so API replicas need neither model files nor ONNX.
import { DataSource } from 'typeorm';
import type { BundleRef } from '../db/shard-queue';
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

/** A worker as its heartbeat row tells it. */
export interface WorkerState {
  id: string;
  /** STARTING, READY, DRAINING or FAILED (it could not load its bundle: `detail` says why). */
  status: string;
  detail: string | null;
  models: BundleRef[];
  runningShards: number;
  startedAt: Date;
  heartbeatAt: Date;
  /** It heartbeat within the lease. */
  alive: boolean;
}

/** Every worker seen in the last day, live ones first. */
export async function listWorkers(ds: DataSource, leaseSeconds: number): Promise<WorkerState[]> {
  const rows = (await ds.query(
    `SELECT id, status, detail, models, cardinality(running) AS running, started_at, heartbeat_at,
            heartbeat_at > now() - $1 * interval '1 second' AS alive
       FROM workers ORDER BY alive DESC, heartbeat_at DESC`,
    [leaseSeconds],
  )) as { id: string; status: string; detail: string | null; models: BundleRef[]; running: number; started_at: Date; heartbeat_at: Date; alive: boolean }[];
  return rows.map((r) => ({ id: r.id, status: r.status, detail: r.detail, models: r.models, runningShards: r.running, startedAt: r.started_at, heartbeatAt: r.heartbeat_at, alive: r.alive }));
}

/** An active order none of whose queued shards any live, ready worker can make. */
export interface WaitingOrder {
  orderId: string;
  modelId: string;
  bundleHash: string | null;
  status: string;
  createdAt: Date;
  reason: string;
}

/** Active orders placed over `olderThanSeconds` ago with queued shards that no live worker can claim. */
export async function ordersWaitingForWorkers(ds: DataSource, leaseSeconds: number, olderThanSeconds: number): Promise<WaitingOrder[]> {
  const rows = (await ds.query(
    `SELECT DISTINCT o.id, o.model_id, s.bundle_hash, o.status, o.created_at
       FROM orders o JOIN shard_jobs s ON s.order_id = o.id AND s.state = 'QUEUED'
      WHERE o.status IN ('QUEUED', 'RUNNING') AND o.created_at < now() - $2 * interval '1 second'
        AND NOT EXISTS (
          SELECT 1 FROM workers w, jsonb_array_elements(w.models) b
           WHERE w.status = 'READY' AND w.heartbeat_at > now() - $1 * interval '1 second'
             AND b->>'modelId' = s.model_id AND (s.bundle_hash IS NULL OR b->>'bundleHash' = s.bundle_hash))
      ORDER BY o.created_at`,
    [leaseSeconds, olderThanSeconds],
  )) as { id: string; model_id: string; bundle_hash: string | null; status: string; created_at: Date }[];
  return rows.map((r) => ({
    orderId: r.id,
    modelId: r.model_id,
    bundleHash: r.bundle_hash,
    status: r.status,
    createdAt: r.created_at,
    reason: `waiting for a worker with model ${r.model_id}${r.bundle_hash ? ` (bundle ${r.bundle_hash.slice(0, 12)})` : ''}: no live worker has it`,
  }));
}

/**
 * Why an active order is not progressing, in words a partner can read: no live worker holds its
 * model and bundle, or the worker running it cannot write the image store (and is retrying).
 * Null when it is progressing, or has ended.
 */
export async function orderStall(ds: DataSource, leaseSeconds: number, orderId: string): Promise<string | null> {
  const [row] = (await ds.query(
    `SELECT
       EXISTS (SELECT 1 FROM shard_jobs s WHERE s.order_id = o.id AND s.state = 'ACTIVE'
                 AND EXISTS (SELECT 1 FROM workers w WHERE w.id = s.worker_id AND w.detail LIKE 'storage unavailable%')) AS storage,
       (SELECT s.model_id FROM shard_jobs s WHERE s.order_id = o.id AND s.state = 'QUEUED'
           AND NOT EXISTS (
             SELECT 1 FROM workers w, jsonb_array_elements(w.models) b
              WHERE w.status = 'READY' AND w.heartbeat_at > now() - $2 * interval '1 second'
                AND b->>'modelId' = s.model_id AND (s.bundle_hash IS NULL OR b->>'bundleHash' = s.bundle_hash))
         LIMIT 1) AS orphan_model
       FROM orders o WHERE o.id = $1 AND o.status IN ('QUEUED', 'RUNNING')`,
    [orderId, leaseSeconds],
  )) as { storage: boolean; orphan_model: string | null }[];
  if (!row) return null;
  if (row.storage) return 'storage unavailable, retrying';
  return row.orphan_model ? `waiting for a worker with model ${row.orphan_model}` : null;
}
