// An archive described as a list of byte segments whose lengths are known up front, so the total
// length, any byte range and the ETag can be computed without building or buffering the archive.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';

/** Bytes computed in memory (headers, small text files) or a slice of a file on disk. */
export type Segment =
  | { kind: 'bytes'; data: Buffer }
  | { kind: 'file'; path: string; size: number };

/** One file to put into an archive. `crc32` is the CRC-32 of its content (zip needs it up front). */
export interface ArchiveEntry {
  /** Path inside the archive, '/'-separated, relative, e.g. `images/4/000012.png`. */
  name: string;
  size: number;
  crc32: number;
  source: { kind: 'bytes'; data: Buffer } | { kind: 'file'; path: string };
}

export interface ArchivePlan {
  segments: Segment[];
  length: number;
}

/** Refuses names that would extract outside the target folder or be ambiguous. */
export function checkEntryName(name: string): void {
  if (name === '' || name.startsWith('/') || name.split('/').some((p) => p === '..' || p === '')) {
    throw new Error(`archive entry name "${name}" must be a relative path without empty or ".." parts`);
  }
}

export function segmentLength(s: Segment): number {
  return s.kind === 'bytes' ? s.data.length : s.size;
}

export function makePlan(segments: Segment[]): ArchivePlan {
  const kept = segments.filter((s) => segmentLength(s) > 0);
  return { segments: kept, length: kept.reduce((n, s) => n + segmentLength(s), 0) };
}

export function entrySegment(e: ArchiveEntry): Segment {
  return e.source.kind === 'bytes'
    ? { kind: 'bytes', data: e.source.data }
    : { kind: 'file', path: e.source.path, size: e.size };
}

/**
 * A strong ETag: the hash of every in-memory byte (headers carry names, sizes, CRCs, times) and
 * of each file's path and size (files come from the content-addressed store, so the path names
 * the content).
 */
export function planEtag(plan: ArchivePlan): string {
  const h = createHash('sha256');
  for (const s of plan.segments) {
    if (s.kind === 'bytes') h.update('b').update(s.data);
    else h.update(`f${s.path}\0${s.size}\0`);
  }
  return `"${h.digest('base64url').slice(0, 32)}"`;
}

/** Streams bytes [start, end] (inclusive, like HTTP ranges) of the archive. */
export function readRange(plan: ArchivePlan, start: number, end: number): Readable {
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end < plan.length)) {
    throw new RangeError(`byte range ${start}-${end} is outside the archive (0-${plan.length - 1})`);
  }
  return Readable.from(rangeChunks(plan, start, end));
}

async function* rangeChunks(plan: ArchivePlan, start: number, end: number): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const s of plan.segments) {
    const len = segmentLength(s);
    const segStart = offset;
    offset += len;
    if (offset <= start) continue;
    if (segStart > end) return;
    const from = Math.max(start, segStart) - segStart;
    const to = Math.min(end, offset - 1) - segStart;
    if (s.kind === 'bytes') {
      yield s.data.subarray(from, to + 1);
      continue;
    }
    // A file that changed size since the plan was made would shift every later byte: refuse.
    const { size } = await fs.stat(s.path);
    if (size !== s.size) throw new Error(`archive source ${s.path} is ${size} bytes, expected ${s.size}`);
    for await (const chunk of createReadStream(s.path, { start: from, end: to })) yield chunk as Buffer;
  }
}
