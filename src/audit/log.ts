// Appending to, querying and verifying the audit log in PostgreSQL.
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntryEntity } from '../entities/audit-entry';
import { ChainBreak, ChainFields, GENESIS_HASH, entryHash, findBreak } from './chain';

export interface AuditInput {
  actor: string;
  keyId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: 'ok' | 'denied' | 'error';
  /** Never secrets: callers pass identifiers and parameters only. */
  detail?: Record<string, unknown>;
}

// One chain means one writer at a time; a transaction-scoped advisory lock serialises appends
// across every API and worker process without blocking readers.
const AUDIT_LOCK = 0x5b05a0d1;

export async function appendAudit(db: DataSource | EntityManager, input: AuditInput): Promise<AuditEntryEntity> {
  const run = async (m: EntityManager) => {
    await m.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const [last] = (await m.query('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')) as { seq: string; hash: string }[];
    const fields: ChainFields = {
      seq: last ? Number(last.seq) + 1 : 1,
      at: new Date(),
      actor: input.actor,
      keyId: input.keyId ?? null,
      action: input.action,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      outcome: input.outcome ?? 'ok',
      // Hashed as it will read back from jsonb: plain JSON values only.
      detail: JSON.parse(JSON.stringify(input.detail ?? {})) as Record<string, unknown>,
      prevHash: last ? last.hash : GENESIS_HASH,
    };
    const entry = m.create(AuditEntryEntity, { ...fields, hash: entryHash(fields) });
    await m.query(
      `INSERT INTO audit_log (seq, at, actor, key_id, action, target_type, target_id, outcome, detail, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [entry.seq, entry.at, entry.actor, entry.keyId, entry.action, entry.targetType, entry.targetId, entry.outcome, JSON.stringify(entry.detail), entry.prevHash, entry.hash],
    );
    return entry;
  };
  // Inside a caller's transaction the entry commits (or rolls back) with the change it records.
  const m = db instanceof DataSource ? db.manager : db;
  return m.queryRunner?.isTransactionActive ? run(m) : m.transaction(run);
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  targetId?: string;
  outcome?: string;
  since?: Date;
  until?: Date;
  /** Entries with seq greater than this (cursor). */
  afterSeq?: number;
  limit: number;
}

export async function queryAudit(ds: DataSource, f: AuditFilter): Promise<AuditEntryEntity[]> {
  const qb = ds.getRepository(AuditEntryEntity).createQueryBuilder('a').orderBy('a.seq', 'ASC').limit(f.limit);
  if (f.action) qb.andWhere('a.action = :action', { action: f.action });
  if (f.actor) qb.andWhere('a.actor = :actor', { actor: f.actor });
  if (f.targetId) qb.andWhere('a.target_id = :targetId', { targetId: f.targetId });
  if (f.outcome) qb.andWhere('a.outcome = :outcome', { outcome: f.outcome });
  if (f.since) qb.andWhere('a.at >= :since', { since: f.since });
  if (f.until) qb.andWhere('a.at < :until', { until: f.until });
  if (f.afterSeq !== undefined) qb.andWhere('a.seq > :afterSeq', { afterSeq: f.afterSeq });
  return qb.getMany();
}

export interface ChainVerifyResult {
  ok: boolean;
  entries: number;
  lastHash: string;
  break: ChainBreak | null;
}

/** Walks the whole chain in pages and reports the first entry that does not verify. */
export async function verifyAudit(ds: DataSource, pageSize = 1000): Promise<ChainVerifyResult> {
  const repo = ds.getRepository(AuditEntryEntity);
  let prev = { seq: 0, hash: GENESIS_HASH };
  let entries = 0;
  for (;;) {
    const page = await repo.createQueryBuilder('a').where('a.seq > :s', { s: prev.seq }).orderBy('a.seq', 'ASC').limit(pageSize).getMany();
    if (page.length === 0) return { ok: true, entries, lastHash: prev.hash, break: null };
    const broken = findBreak(page, prev);
    if (broken) return { ok: false, entries, lastHash: prev.hash, break: broken };
    entries += page.length;
    const last = page[page.length - 1];
    prev = { seq: last.seq, hash: last.hash };
  }
}
