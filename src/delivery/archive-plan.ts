// An archive described as a list of byte segments whose lengths are known up front, so the total
// length, any byte range and the ETag can be computed without building or buffering the archive.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** Content read from elsewhere (the image store, a file): `id` names the content, for the ETag. */
export interface ByteSource {
  id: string;
  read(range: { start: number; end: number }): Readable;
}

/** Bytes computed in memory (headers, small text files) or a run of bytes from a source. */
export type Segment = { kind: 'bytes'; data: Buffer } | { kind: 'source'; source: ByteSource; size: number };

/** One file to put into an archive. `crc32` is the CRC-32 of its content (zip needs it up front). */
export interface ArchiveEntry {
  /** Path inside the archive, '/'-separated, relative, e.g. `images/4/000012.png`. */
  name: string;
  size: number;
  crc32: number;
  source: { kind: 'bytes'; data: Buffer } | { kind: 'source'; source: ByteSource };
}

/** A file on local disk as a source. */
export function fileSource(path: string): ByteSource {
  return { id: `file:${path}`, read: ({ start, end }) => createReadStream(path, { start, end }) };
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
    : { kind: 'source', source: e.source.source, size: e.size };
}

/**
 * A strong ETag: the hash of every in-memory byte (headers carry names, sizes, CRCs, times) and
 * of each source's id and size (images come from the content-addressed store: the id is the
 * content's sha256).
 */
export function planEtag(plan: ArchivePlan): string {
  const h = createHash('sha256');
  for (const s of plan.segments) {
    if (s.kind === 'bytes') h.update('b').update(s.data);
    else h.update(`s${s.source.id}\0${s.size}\0`);
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
    // A source shorter or longer than planned would shift every later byte: fail the stream.
    let got = 0;
    for await (const chunk of s.source.read({ start: from, end: to })) {
      got += (chunk as Buffer).length;
      if (got > to - from + 1) break;
      yield chunk as Buffer;
    }
    if (got !== to - from + 1) {
      throw new Error(`archive source ${s.source.id} gave ${got} bytes at ${from}-${to}, expected ${to - from + 1}`);
    }
  }
}
