// Deterministic ZIP writer: STORE only (PNGs are already compressed), CRC-32 known up front, no
// data descriptors, ZIP64 records only where a field overflows. The byte layout depends only on
// the entry list and the timestamp, so any range can be served by seeking (see archive-plan.ts).
import { ArchiveEntry, ArchivePlan, Segment, checkEntryName, entrySegment, makePlan } from './archive-plan';

const U16 = 0xffff;
const U32 = 0xffffffff;
const UTF8_NAMES = 0x0800;
const VERSION_STORE = 10;
const VERSION_ZIP64 = 45;
/** Made by Unix (3), spec 4.5; so unzip applies the rw-r--r-- mode in the external attributes. */
const MADE_BY = (3 << 8) | VERSION_ZIP64;
const FILE_MODE = (0o100644 << 16) >>> 0;

export function zipPlan(entries: ArchiveEntry[], mtime: Date): ArchivePlan {
  const { time, date } = dosDateTime(mtime);
  const segments: Segment[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = entryName(e.name);
    const bigSize = e.size >= U32;
    const local = localHeader(e, name, bigSize, time, date);
    central.push(centralHeader(e, name, bigSize, offset, time, date));
    segments.push({ kind: 'bytes', data: local }, entrySegment(e));
    offset += local.length + e.size;
  }
  const cd = Buffer.concat(central);
  segments.push({ kind: 'bytes', data: cd }, { kind: 'bytes', data: endRecords(entries.length, offset, cd.length) });
  return makePlan(segments);
}

function entryName(name: string): Buffer {
  checkEntryName(name);
  const b = Buffer.from(name, 'utf8');
  if (b.length > U16) throw new Error(`archive entry name "${name.slice(0, 40)}…" is longer than 65535 bytes`);
  return b;
}

function localHeader(e: ArchiveEntry, name: Buffer, bigSize: boolean, time: number, date: number): Buffer {
  const extra = bigSize ? zip64Extra([e.size, e.size]) : Buffer.alloc(0);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(bigSize ? VERSION_ZIP64 : VERSION_STORE, 4);
  h.writeUInt16LE(UTF8_NAMES, 6);
  h.writeUInt16LE(0, 8); // method: stored
  h.writeUInt16LE(time, 10);
  h.writeUInt16LE(date, 12);
  h.writeUInt32LE(e.crc32 >>> 0, 14);
  h.writeUInt32LE(bigSize ? U32 : e.size, 18);
  h.writeUInt32LE(bigSize ? U32 : e.size, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, name, extra]);
}

function centralHeader(e: ArchiveEntry, name: Buffer, bigSize: boolean, offset: number, time: number, date: number): Buffer {
  const bigOffset = offset >= U32;
  const extra = zip64Extra([...(bigSize ? [e.size, e.size] : []), ...(bigOffset ? [offset] : [])]);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(MADE_BY, 4);
  h.writeUInt16LE(bigSize || bigOffset ? VERSION_ZIP64 : VERSION_STORE, 6);
  h.writeUInt16LE(UTF8_NAMES, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(time, 12);
  h.writeUInt16LE(date, 14);
  h.writeUInt32LE(e.crc32 >>> 0, 16);
  h.writeUInt32LE(bigSize ? U32 : e.size, 20);
  h.writeUInt32LE(bigSize ? U32 : e.size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  // comment length, disk number, internal attributes: 0
  h.writeUInt32LE(FILE_MODE, 38);
  h.writeUInt32LE(bigOffset ? U32 : offset, 42);
  return Buffer.concat([h, name, extra]);
}

/** The ZIP64 extended-information extra field holding the given 64-bit values, or nothing. */
function zip64Extra(values: number[]): Buffer {
  if (values.length === 0) return Buffer.alloc(0);
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

function endRecords(count: number, cdOffset: number, cdSize: number): Buffer {
  const needs64 = count >= U16 || cdOffset >= U32 || cdSize >= U32;
  const parts: Buffer[] = [];
  if (needs64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4); // size of the rest of this record
    rec.writeUInt16LE(MADE_BY, 12);
    rec.writeUInt16LE(VERSION_ZIP64, 14);
    // this disk, central directory disk: 0
    rec.writeBigUInt64LE(BigInt(count), 24);
    rec.writeBigUInt64LE(BigInt(count), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    loc.writeUInt32LE(1, 16);
    parts.push(rec, loc);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Math.min(count, U16), 8);
  eocd.writeUInt16LE(Math.min(count, U16), 10);
  eocd.writeUInt32LE(Math.min(cdSize, U32), 12);
  eocd.writeUInt32LE(Math.min(cdOffset, U32), 16);
  parts.push(eocd);
  return Buffer.concat(parts);
}

/** MS-DOS date and time fields, from the UTC calendar (zip has no time zone; UTC keeps it reproducible). */
export function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}
