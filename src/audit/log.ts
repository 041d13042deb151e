// Appending to, querying and verifying the audit log in PostgreSQL.
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntryEntity } from '../entities/audit-entry';
import { ChainBreak, ChainFields, GENESIS_HASH, entryHash, entryProblem } from './chain';
import type { SignedCheckpoint } from './checkpoints';
import { macMatches, macOf } from './row-mac';

export interface AuditInput {
  actor: string;
  keyId?: string | null;
  /** The partner member whose key acted (their name as it is now, kept with the entry). */
  member?: { id: string; name: string } | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: 'ok' | 'denied' | 'error';
  /** Never secrets: callers pass identifiers and parameters only. */
  detail?: Record<string, unknown>;
}

// text and jsonb refuse U+0000, jsonb also unpaired surrogates; a refused request that carried them (a NUL in a
// name) must still be audited, so they are stored as U+FFFD.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function storable<T>(value: T): T | string {
  return typeof value === 'string' ? value.replace(UNSTORABLE, '\ufffd') : value;
}

function storableInJsonb(_key: string, value: unknown): unknown {
  return storable(value);
}

// One chain means one writer at a time; a transaction-scoped advisory lock serialises appends
// across every API and worker process without blocking readers.
export const AUDIT_LOCK = 0x5b05a0d1;

/** An entry's own fields, made storable: everything the chain hashes except its place in it. */
export type EntryFields = Omit<ChainFields, 'seq' | 'at' | 'prevHash'>;

export function entryFields(input: AuditInput): EntryFields {
  return {
    actor: storable(input.actor),
    keyId: input.keyId ?? null,
    memberId: input.member?.id ?? null,
    memberName: input.member ? storable(input.member.name) : null,
    action: storable(input.action),
    targetType: storable(input.targetType ?? null),
    targetId: storable(input.targetId ?? null),
    outcome: input.outcome ?? 'ok',
    // Hashed as it will read back from jsonb: plain JSON values only.
    detail: JSON.parse(JSON.stringify(input.detail ?? {}, storableInJsonb)) as Record<string, unknown>,
  };
}

/** An entry to link into the chain. From audit_pending (pending.ts): its id, and whether the API wrote it. */
export interface Unchained {
  at: Date;
  fields: EntryFields;
  pendingId?: string;
  /** False: MAC it as nothing (verify then names it as not written by the API). */
  authentic?: boolean;
}

/** Runs `run` holding the chain's lock, in the caller's transaction or a new one. */
export function withChainLock<T>(db: DataSource | EntityManager, run: (m: EntityManager) => Promise<T>): Promise<T> {
  const locked = async (m: EntityManager) => {
    await m.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    return run(m);
  };
  // Inside a caller's transaction the entry commits (or rolls back) with the change it records.
  const m = db instanceof DataSource ? db.manager : db;
  return m.queryRunner?.isTransactionActive ? locked(m) : m.transaction(locked);
}

/** Appends `items` to the chain, in order, in one INSERT. The caller holds the lock (withChainLock). */
export async function linkEntries(m: EntityManager, items: readonly Unchained[]): Promise<AuditEntryEntity[]> {
  const [last] = (await m.query('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')) as { seq: string; hash: string }[];
  let prev = last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  const params: unknown[] = [];
  const rows: string[] = [];
  const entries = items.map((item) => {
    const fields: ChainFields = { ...item.fields, seq: prev.seq + 1, at: item.at, prevHash: prev.hash };
    const entry = m.create(AuditEntryEntity, { ...fields, hash: entryHash(fields) });
    const values = [entry.seq, entry.at, entry.actor, entry.keyId, entry.memberId, entry.memberName, entry.action, entry.targetType, entry.targetId, entry.outcome, JSON.stringify(entry.detail), entry.prevHash, entry.hash, item.authentic === false ? null : macOf(entry.hash), item.pendingId ?? null];
    rows.push(`(${values.map((v) => `$${params.push(v)}`).join(', ')})`);
    prev = entry;
    return entry;
  });
  if (entries.length) {
    await m.query(`INSERT INTO audit_log (seq, at, actor, key_id, member_id, member_name, action, target_type, target_id, outcome, detail, prev_hash, hash, mac, pending_id) VALUES ${rows.join(', ')}`, params);
  }
  return entries;
}

/** Appends one entry to the chain now (mutations: in the transaction of the change it records). */
export async function appendAudit(db: DataSource | EntityManager, input: AuditInput): Promise<AuditEntryEntity> {
  return withChainLock(db, async (m) => (await linkEntries(m, [{ at: new Date(), fields: entryFields(input) }]))[0]);
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  memberId?: string;
  targetId?: string;
  outcome?: string;
  since?: Date;
  until?: Date;
  /** Entries with seq greater than this (cursor). */
  afterSeq?: number;
  limit: number;
}

/** The entries that match the filter's fields (the page's cursor and limit aside). */
function matching(ds: DataSource, f: Omit<AuditFilter, 'afterSeq' | 'limit'>) {
  const qb = ds.getRepository(AuditEntryEntity).createQueryBuilder('a');
  if (f.action) qb.andWhere('a.action = :action', { action: f.action });
  if (f.actor) qb.andWhere('a.actor = :actor', { actor: f.actor });
  if (f.memberId) qb.andWhere('a.member_id = :memberId', { memberId: f.memberId });
  if (f.targetId) qb.andWhere('a.target_id = :targetId', { targetId: f.targetId });
  if (f.outcome) qb.andWhere('a.outcome = :outcome', { outcome: f.outcome });
  if (f.since) qb.andWhere('a.at >= :since', { since: f.since });
  if (f.until) qb.andWhere('a.at < :until', { until: f.until });
  return qb;
}

export async function queryAudit(ds: DataSource, f: AuditFilter): Promise<AuditEntryEntity[]> {
  const qb = matching(ds, f).orderBy('a.seq', 'ASC').limit(f.limit);
  if (f.afterSeq !== undefined) qb.andWhere('a.seq > :afterSeq', { afterSeq: f.afterSeq });
  return qb.getMany();
}

/** How many entries match the filter, on every page. */
export function countAudit(ds: DataSource, f: Omit<AuditFilter, 'afterSeq' | 'limit'>): Promise<number> {
  return matching(ds, f).getCount();
}

export interface ChainVerifyResult {
  ok: boolean;
  /** Entries that verified: all of them, or those before the first bad one. */
  entries: number;
  lastHash: string;
  break: ChainBreak | null;
  /** The newest signed checkpoint the chain matched (null: none was given or reached). */
  checkpoint: SignedCheckpoint | null;
  /** Entries after that checkpoint: consistent, but not yet covered by a signature. */
  unsigned: number;
  /** Whether each entry's MAC was checked (a MAC key was given). */
  macsChecked: boolean;
}

/** Why an entry's MAC shows it was not written by the API; null when it was (or MACs had not begun). */
function macProblem(mac: string | null, hash: string, key: Buffer, macsBegun: boolean): string | null {
  if (mac === null) return macsBegun ? 'no MAC: the entry was inserted into the database, not written by the API' : null;
  return macMatches(hash, mac, key) ? null : 'the MAC does not match: the entry was not written by the API';
}

function checkpointMismatch(cp: SignedCheckpoint, since: number): ChainBreak {
  return {
    seq: since + 1,
    reason: `the chain does not match the head signed at ${cp.signedAt} for seq ${cp.seq}: an entry from seq ${since + 1} to ${cp.seq} was inserted, edited, deleted or re-hashed`,
  };
}

/**
 * Walks the whole chain in pages and reports the first entry that does not verify: a broken link,
 * or a chain that differs from a signed checkpoint (`checkpoints`, by seq) even though its own
 * hashes are consistent (rewritten and re-hashed by someone with the database but not the key).
 */
export async function verifyAudit(ds: DataSource, checkpoints: readonly SignedCheckpoint[] = [], macKey: Buffer | null = null, pageSize = 1000): Promise<ChainVerifyResult> {
  const repo = ds.getRepository(AuditEntryEntity);
  let macsBegun = false; // entries from before MACs existed have none
  let prev = { seq: 0, hash: GENESIS_HASH };
  let matched: SignedCheckpoint | null = null;
  let next = 0; // the first checkpoint not reached yet
  const matchedSeq = (): number => matched?.seq ?? 0;
  const result = (brk: ChainBreak | null): ChainVerifyResult => ({
    ok: brk === null,
    entries: prev.seq,
    lastHash: prev.hash,
    break: brk,
    checkpoint: matched,
    unsigned: prev.seq - matchedSeq(),
    macsChecked: macKey !== null,
  });
  // Checkpoints of the empty log (seq 0) hold if the chain starts from the genesis hash.
  const passCheckpoints = (at: { seq: number; hash: string }): ChainBreak | null => {
    for (; next < checkpoints.length && checkpoints[next].seq <= at.seq; next++) {
      const cp = checkpoints[next];
      if (cp.seq < at.seq) continue; // passed in an earlier step
      if (cp.hash !== at.hash) return checkpointMismatch(cp, matchedSeq());
      matched = cp;
    }
    return null;
  };
  const atStart = passCheckpoints(prev);
  if (atStart) return result(atStart);
  for (;;) {
    // The entity has no MAC column (only verify reads it): it comes from the raw rows, in the same order.
    const { entities: page, raw } = await repo.createQueryBuilder('a').addSelect('a.mac', 'row_mac').where('a.seq > :s', { s: prev.seq }).orderBy('a.seq', 'ASC').limit(pageSize).getRawAndEntities<{ row_mac: string | null }>();
    for (const [i, e] of page.entries()) {
      const mac = raw[i].row_mac;
      const reason = entryProblem(e, prev) ?? (macKey ? macProblem(mac, e.hash, macKey, macsBegun) : null);
      if (reason) return result({ seq: e.seq, reason });
      macsBegun ||= mac !== null;
      prev = { seq: e.seq, hash: e.hash };
      const mismatch = passCheckpoints(prev);
      // Only the entries up to the last matching signed head are proven.
      if (mismatch) return { ...result(mismatch), entries: matchedSeq() };
    }
    if (page.length < pageSize) break;
  }
  const missing = checkpoints[next];
  if (missing) return result({ seq: prev.seq + 1, reason: `the chain ends at seq ${prev.seq} but a head was signed at ${missing.signedAt} for seq ${missing.seq}: entries were deleted` });
  return result(null);
}
