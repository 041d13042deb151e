// `audit verify` as an operator runs it on the API's host: the chain, every checkpoint signed with
// the key file, and each entry's MAC under that key.
import type { DataSource } from 'typeorm';
import { CheckpointFiles, CheckpointKey, trustedCheckpoints } from './checkpoints';
import { ChainVerifyResult, verifyAudit } from './log';

export async function verifyWithKey(ds: DataSource, files: CheckpointFiles): Promise<ChainVerifyResult> {
  const key = await CheckpointKey.load(files.keyFile);
  return verifyAudit(ds, key ? await trustedCheckpoints(ds, key, files.checkpointFile) : [], key?.macKey ?? null);
}
