import { createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { spawnSync } from 'node:child_process';
import { ArchivePlan, readRange } from '../../src/delivery/archive-plan';

export async function writeWhole(plan: ArchivePlan, path: string): Promise<Buffer> {
  await pipeline(readRange(plan, 0, plan.length - 1), createWriteStream(path));
  return fs.readFile(path);
}

export async function collect(plan: ArchivePlan, start: number, end: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of readRange(plan, start, end)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Runs a command and returns stdout; fails the test with stderr when it exits non-zero. */
export function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
