// The hash chain itself: pure functions, no I/O. Each entry's hash covers its own fields and the
// previous entry's hash, so changing, removing or reordering any row breaks every later hash.
// The hash input is RFC 8785 canonical JSON (the one canonicalisation of the project, shared with
// certificates). For the plain JSON values an entry holds it gives the same text as the sorted-key
// JSON that earlier rows were hashed with, so existing chains verify unchanged (tests/audit-chain).
// The acting member (partner keys, since members exist) is hashed only when there is one, so
// entries written before members existed hash exactly as they did.
import { createHash } from 'node:crypto';
import { canonicalize } from '../domain/canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainFields {
  seq: number;
  at: Date;
  actor: string;
  keyId: string | null;
  /** The partner member whose key acted, and their name at the time; null (or absent) otherwise. */
  memberId?: string | null;
  memberName?: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  detail: Record<string, unknown>;
  prevHash: string;
}

export function entryHash(f: ChainFields): string {
  // Only the chained fields: rows carry their own hash too, which must not hash itself.
  const { seq, at, actor, keyId, memberId, memberName, action, targetType, targetId, outcome, detail, prevHash } = f;
  const member = memberId == null ? {} : { member: { id: memberId, name: memberName ?? null } };
  const text = canonicalize({ seq, at: at.toISOString(), actor, keyId, ...member, action, targetType, targetId, outcome, detail, prevHash });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface ChainBreak {
  seq: number;
  reason: string;
}

/** Why `e` does not follow `prev` in the chain, or null when it does. */
export function entryProblem(e: ChainFields & { hash: string }, prev: { seq: number; hash: string }): string | null {
  if (e.seq !== prev.seq + 1) return `sequence jumps from ${prev.seq} to ${e.seq}`;
  if (e.prevHash !== prev.hash) return 'prev_hash does not match the previous entry';
  if (entryHash(e) !== e.hash) return 'hash does not match the entry contents';
  return null;
}

/** Checks a run of consecutive entries that should follow `prev` (the entry before the run). */
export function findBreak(entries: (ChainFields & { hash: string })[], prev: { seq: number; hash: string }): ChainBreak | null {
  let last = prev;
  for (const e of entries) {
    const reason = entryProblem(e, last);
    if (reason) return { seq: e.seq, reason };
    last = e;
  }
  return null;
}
