// Unpacks a downloaded cohort archive (our ustar or stored zip) into a folder, refusing any entry
// that would land outside it. Reads from the file on disk, so nothing is held in memory.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';

export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

/** Unpacks `archive` into `dest` and returns the names of the files written. */
export async function extractArchive(archive: string, format: 'zip' | 'tar', dest: string): Promise<string[]> {
  const fh = await fs.open(archive, 'r');
  try {
    const entries = format === 'tar' ? await tarEntries(fh) : await zipEntries(fh);
    for (const e of entries) await copyOut(archive, e, pathInside(dest, e.name));
    return entries.map((e) => e.name);
  } finally {
    await fh.close();
  }
}

interface Located {
  name: string;
  offset: number;
  size: number;
  /** Zip only: the CRC-32 the central directory promises. */
  crc?: number;
}

/** Where an archive-relative name lands under `dest`; refuses names that would escape it. */
export function pathInside(dest: string, name: string): string {
  const root = resolve(dest);
  const target = resolve(root, name);
  if (name.includes('\\') || !target.startsWith(root + sep)) throw new ArchiveError(`archive entry "${name}" would be written outside ${dest}`);
  return target;
}

async function copyOut(archive: string, e: Located, target: string): Promise<void> {
  await fs.mkdir(dirname(target), { recursive: true });
  let crc = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      crc = crc32(chunk, crc);
      done(null, chunk);
    },
  });
  const source = e.size > 0 ? createReadStream(archive, { start: e.offset, end: e.offset + e.size - 1 }) : [Buffer.alloc(0)];
  await pipeline(source, check, createWriteStream(target));
  if (e.crc !== undefined && crc >>> 0 !== e.crc >>> 0) throw new ArchiveError(`archive entry "${e.name}" fails its CRC-32 check: the archive is damaged`);
}

async function readAt(fh: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const b = Buffer.alloc(length);
  const { bytesRead } = await fh.read(b, 0, length, position);
  if (bytesRead !== length) throw new ArchiveError(`archive ends early at byte ${position + bytesRead}: it is truncated`);
  return b;
}

function cString(b: Buffer, start: number, length: number): string {
  const raw = b.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

async function tarEntries(fh: fs.FileHandle): Promise<Located[]> {
  const { size: total } = await fh.stat();
  const out: Located[] = [];
  for (let pos = 0; ; ) {
    const h = await readAt(fh, pos, 512);
    if (h.every((b) => b === 0)) return out;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (parseInt(cString(h, 148, 8).trim(), 8) !== sum) throw new ArchiveError(`tar header at byte ${pos} has a bad checksum: the archive is damaged`);
    const prefix = cString(h, 345, 155);
    const name = prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100);
    const size = parseInt(cString(h, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156] || 48);
    if (type !== '0') throw new ArchiveError(`tar entry "${name}" has type "${type}"; a cohort archive holds only regular files`);
    if (!Number.isSafeInteger(size) || pos + 512 + size > total) throw new ArchiveError(`tar entry "${name}" runs past the end: the archive is truncated`);
    out.push({ name, offset: pos + 512, size });
    pos += 512 + Math.ceil(size / 512) * 512;
  }
}

async function zipEntries(fh: fs.FileHandle): Promise<Located[]> {
  const { size: total } = await fh.stat();
  const tailLen = Math.min(total, 22 + 0xffff);
  const tail = await readAt(fh, total - tailLen, tailLen);
  const eocdAt = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocdAt < 0) throw new ArchiveError('no zip end-of-central-directory record: the archive is truncated or not a zip');
  let count = tail.readUInt16LE(eocdAt + 10);
  let cdSize = tail.readUInt32LE(eocdAt + 12);
  let cdOffset = tail.readUInt32LE(eocdAt + 16);
  const locatorAt = eocdAt - 20;
  if (locatorAt >= 0 && tail.readUInt32LE(locatorAt) === 0x07064b50) {
    const rec = await readAt(fh, Number(tail.readBigUInt64LE(locatorAt + 8)), 56);
    if (rec.readUInt32LE(0) !== 0x06064b50) throw new ArchiveError('bad ZIP64 end record: the archive is damaged');
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  const cd = await readAt(fh, cdOffset, cdSize);
  const out: Located[] = [];
  for (let p = 0, i = 0; i < count; i++) {
    if (cd.readUInt32LE(p) !== 0x02014b50) throw new ArchiveError(`bad zip central directory entry ${i}: the archive is damaged`);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let offset = cd.readUInt32LE(p + 42);
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // ZIP64 extra: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    const wide = zip64Values(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    if (size === 0xffffffff) {
      size = wide.shift() ?? size;
      wide.shift(); // compressed size: the same for stored entries
    }
    if (offset === 0xffffffff) offset = wide.shift() ?? offset;
    if (method !== 0) throw new ArchiveError(`zip entry "${name}" is compressed (method ${method}); cohort archives store files uncompressed`);
    const local = await readAt(fh, offset, 30);
    if (local.readUInt32LE(0) !== 0x04034b50) throw new ArchiveError(`zip entry "${name}" has no local header: the archive is damaged`);
    const dataAt = offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataAt + size > total) throw new ArchiveError(`zip entry "${name}" runs past the end: the archive is truncated`);
    if (!name.endsWith('/')) out.push({ name, offset: dataAt, size, crc });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function zip64Values(extra: Buffer): number[] {
  for (let p = 0; p + 4 <= extra.length; p += 4 + extra.readUInt16LE(p + 2)) {
    if (extra.readUInt16LE(p) !== 0x0001) continue;
    const n = extra.readUInt16LE(p + 2) / 8;
    return Array.from({ length: n }, (_, i) => Number(extra.readBigUInt64LE(p + 4 + 8 * i)));
  }
  return [];
}
