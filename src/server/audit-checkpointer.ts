// The API signs the audit chain's head at start and then every auditCheckpointSeconds, so that a
// rewrite of the log by someone with the database is caught by `audit verify` (see
// audit/checkpoints.ts), and MACs every entry it appends with the same key file (row-mac.ts).
// Replicas share the key file; each may sign: more signed heads only narrow a rewrite down.
import type { DataSource } from 'typeorm';
import { CheckpointKey, checkpointFiles, signCheckpoint } from '../audit/checkpoints';
import { useAuditMacKey } from '../audit/row-mac';
import type { Config } from '../config';

export async function startCheckpointing(ds: DataSource, config: Config, log: (line: string) => void): Promise<{ stop(): void }> {
  const files = checkpointFiles(config);
  const key = await CheckpointKey.open(files.keyFile);
  useAuditMacKey(key.macKey);
  const sign = () => signCheckpoint(ds, key, files.checkpointFile).catch((e: Error) => log(`audit checkpoint: not signed (${e.message})`));
  await sign();
  if (config.auditCheckpointSeconds === 0) return { stop: () => undefined };
  const timer = setInterval(() => void sign(), config.auditCheckpointSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
