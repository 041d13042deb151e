// `audit verify` as an operator runs it on the API's host: the chain, every checkpoint signed with
// the key file, each entry's MAC under that key, and the entries still waiting to be chained
// (pending.ts): counted, not a break, but each must carry the API's MAC too.
import type { DataSource } from 'typeorm';
import { CheckpointFiles, CheckpointKey, trustedCheckpoints } from './checkpoints';
import { ChainVerifyResult, verifyAudit } from './log';
import { pendingAuthentic, pendingRows } from './pending';

export interface AuditVerifyReport extends ChainVerifyResult {
  /** Entries accepted but not chained yet (read before the chain, so none falls between the two). */
  pending: number;
  oldestPendingAt: Date | null;
  /** Why a pending entry shows it was not written by the API; null when none does. */
  pendingProblem: string | null;
}

export async function verifyWithKey(ds: DataSource, files: CheckpointFiles): Promise<AuditVerifyReport> {
  const key = await CheckpointKey.load(files.keyFile);
  const macKey = key?.macKey ?? null;
  const pending = await pendingRows(ds, Number.MAX_SAFE_INTEGER);
  const forged = pending.find((p) => !pendingAuthentic(p, macKey));
  const chain = await verifyAudit(ds, key ? await trustedCheckpoints(ds, key, files.checkpointFile) : [], macKey);
  return {
    ...chain,
    ok: chain.ok && !forged,
    pending: pending.length,
    oldestPendingAt: pending[0]?.at ?? null,
    pendingProblem: forged ? `pending entry ${forged.id} (at ${forged.at.toISOString()}) has no valid MAC: it was inserted into the database, not written by the API` : null,
  };
}
