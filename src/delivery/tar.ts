// Deterministic POSIX ustar writer: one 512-byte header per file, content padded to 512 bytes,
// two zero blocks at the end. Like zip.ts, the layout is computed from the entry list alone.
import { ArchiveEntry, ArchivePlan, Segment, checkEntryName, entrySegment, makePlan } from './archive-plan';

const BLOCK = 512;
/** ustar's 11 octal digits of size. */
const MAX_SIZE = 8 ** 11 - 1;

export function tarPlan(entries: ArchiveEntry[], mtime: Date): ArchivePlan {
  const seconds = Math.max(0, Math.floor(mtime.getTime() / 1000));
  const segments: Segment[] = [];
  for (const e of entries) {
    segments.push({ kind: 'bytes', data: ustarHeader(e.name, e.size, seconds) }, entrySegment(e));
    segments.push({ kind: 'bytes', data: Buffer.alloc((BLOCK - (e.size % BLOCK)) % BLOCK) });
  }
  segments.push({ kind: 'bytes', data: Buffer.alloc(2 * BLOCK) });
  return makePlan(segments);
}

export function ustarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  if (size > MAX_SIZE) throw new Error(`archive entry "${name}" is ${size} bytes; ustar holds at most ${MAX_SIZE}`);
  const [prefix, base] = splitName(name);
  const h = Buffer.alloc(BLOCK);
  h.write(base, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(octal(size, 11), 124, 'ascii');
  h.write(octal(mtimeSeconds, 11), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum is computed with this field as spaces
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\u000000', 257, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function octal(n: number, digits: number): string {
  return `${n.toString(8).padStart(digits, '0')}\0`;
}

/** ustar stores up to 100 bytes of name plus a 155-byte directory prefix, split at a '/'. */
function splitName(name: string): [string, string] {
  checkEntryName(name);
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100) return [prefix, base];
  }
  throw new Error(`archive entry name "${name}" is too long for ustar (100-byte name, 155-byte directory)`);
}
