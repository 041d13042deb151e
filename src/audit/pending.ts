// Reads are audited off the request's critical path. A read's entry is appended to audit_pending
// (no lock, no chain: one small INSERT shared by the reads of that moment) and the request goes on
// only once that INSERT has committed, so an answered read is never unaudited, crash or not. One
// chainer at a time (the chain's advisory lock, across replicas) then links pending entries into
// audit_log in batches and deletes them in the same transaction; the table's trigger refuses any
// other deletion (migration 1764600000003). Each pending entry carries a MAC under the API's key,
// as chained entries do: one the app role inserted itself is chained without a MAC and named by
// verify.
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalize } from '../domain/canonical-json';
import { AuditInput, EntryFields, entryFields, linkEntries, withChainLock } from './log';
import { auditMacKey, macMatches, macOf } from './row-mac';

interface PendingRow {
  id: string;
  at: Date;
  fields: EntryFields;
  mac: string | null;
}

function macText(row: Pick<PendingRow, 'id' | 'at' | 'fields'>): string {
  // A prefix keeps these MACs apart from chained entries' (which cover a bare hex hash).
  return `pending\0${canonicalize({ id: row.id, at: row.at.toISOString(), fields: row.fields })}`;
}

/** Whether the API wrote this pending row (true where no key is held: MACs not begun). */
export function pendingAuthentic(row: PendingRow, key: Buffer | null): boolean {
  if (!key) return true;
  return row.mac !== null && macMatches(macText(row), row.mac, key);
}

interface Waiting {
  row: PendingRow;
  done(error?: unknown): void;
}

/**
 * Appends pending entries. Entries that arrive while an INSERT is in flight go together in the
 * next one (group commit): under load one statement carries many reads, when idle each goes at
 * once. Nothing is held in memory past the caller's await.
 */
export class PendingAuditWriter {
  private queue: Waiting[] = [];
  private flushing = false;
  /** Called after each committed INSERT (the chainer of this process listens). */
  onWritten: () => void = () => undefined;

  constructor(private readonly ds: DataSource) {}

  write(input: AuditInput): Promise<void> {
    // Plain JSON values (entryFields), as jsonb reads them back: the MAC covers what the chainer will hash.
    const fields = entryFields(input);
    const row: PendingRow = { id: randomUUID(), at: new Date(), fields, mac: null };
    row.mac = macOf(macText(row));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, done: (e) => (e === undefined ? resolve() : reject(e)) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, 1000);
      const params: unknown[] = [];
      const values = batch.map(({ row }) => `($${params.push(row.id)}, $${params.push(row.at)}, $${params.push(JSON.stringify(row.fields))}, $${params.push(row.mac)})`);
      try {
        await this.ds.query(`INSERT INTO audit_pending (id, at, entry, mac) VALUES ${values.join(', ')}`, params);
        for (const w of batch) w.done();
        this.onWritten();
      } catch (e) {
        for (const w of batch) w.done(e ?? new Error('audit_pending insert failed'));
      }
    }
    this.flushing = false;
  }
}

/** Entries per chaining transaction (15 parameters each, under PostgreSQL's 65,535). */
export const CHAIN_BATCH = 1000;

const writers = new WeakMap<DataSource, PendingAuditWriter>();

/** The pending-entry writer of a data source (one per process and database). */
export function pendingAudit(ds: DataSource): PendingAuditWriter {
  let w = writers.get(ds);
  if (!w) writers.set(ds, (w = new PendingAuditWriter(ds)));
  return w;
}

/** The pending entries, oldest first (at most `limit`). */
export async function pendingRows(ds: DataSource | EntityManager, limit: number): Promise<PendingRow[]> {
  const rows = (await ds.query('SELECT id, at, entry, mac FROM audit_pending ORDER BY at, id LIMIT $1', [limit])) as { id: string; at: Date; entry: EntryFields; mac: string | null }[];
  return rows.map((r) => ({ id: r.id, at: r.at, fields: r.entry, mac: r.mac }));
}

/**
 * A pending row the API did not write (inserted with the app role's rights): chained as what it
 * is, its contents kept in the detail, with no MAC, so that verify names it; its own fields could
 * be anything, even unstorable.
 */
function unverified(row: PendingRow): EntryFields {
  return entryFields({ actor: 'unknown', action: 'audit.unverified', outcome: 'error', detail: { pendingId: row.id, entry: row.fields } });
}

/**
 * Links up to `limit` pending entries (this process's MAC key checks theirs and MACs the chained ones) into the chain, oldest first, and deletes them, in one
 * transaction under the chain's lock. Returns how many it chained.
 */
export function chainPending(ds: DataSource, limit = CHAIN_BATCH): Promise<number> {
  const key = auditMacKey();
  return withChainLock(ds, async (m) => {
    const rows = await pendingRows(m, limit);
    if (!rows.length) return 0;
    await linkEntries(
      m,
      rows.map((r) => (pendingAuthentic(r, key) ? { at: r.at, fields: r.fields, pendingId: r.id } : { at: r.at, fields: unverified(r), pendingId: r.id, authentic: false })),
    );
    await m.query('DELETE FROM audit_pending WHERE id = ANY($1::uuid[])', [rows.map((r) => r.id)]);
    return rows.length;
  });
}

/** How many entries wait to be chained, and since when. */
export async function pendingSummary(ds: DataSource): Promise<{ count: number; oldest: Date | null }> {
  const [r] = (await ds.query('SELECT count(*)::int AS n, min(at) AS oldest FROM audit_pending')) as { n: number; oldest: Date | null }[];
  return { count: r.n, oldest: r.oldest };
}
