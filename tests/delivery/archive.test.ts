import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { ArchiveEntry, ArchivePlan, fileSource, planEtag } from '../../src/delivery/archive-plan';
import { crc32Stream } from '../../src/delivery/crc32';
import { zipPlan } from '../../src/delivery/zip';
import { tarPlan } from '../../src/delivery/tar';
import { collect, run, writeWhole } from './archive-test-util';

const MTIME = new Date('2026-03-04T05:06:08Z');
let dir: string;
let entries: ArchiveEntry[];
let contents: Map<string, Buffer>;

beforeAll(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'synthbus-archive-'));
  contents = new Map();
  entries = [];
  const files: [string, number][] = [
    ['images/3/000000.png', 70_001],
    ['images/4/000001.png', 512],
    ['images/4/000002.png', 0],
    ['a/' + 'd'.repeat(120) + '/long-name-needs-the-ustar-prefix.bin', 1000],
  ];
  for (const [name, size] of files) {
    const data = randomBytes(size);
    const path = join(dir, `src-${entries.length}`);
    await fs.writeFile(path, data);
    contents.set(name, data);
    entries.push({ name, size, crc32: (await crc32Stream(createReadStream(path))).crc, source: { kind: 'source', source: fileSource(path) } });
  }
  const csv = Buffer.from('file_name,birads\nimages/3/000000.png,3\n');
  contents.set('metadata.csv', csv);
  entries.push({ name: 'metadata.csv', size: csv.length, crc32: crc32(csv), source: { kind: 'bytes', data: csv } });
});

afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function expectExtracted(root: string): Promise<void> {
  for (const [name, data] of contents) expect((await fs.readFile(join(root, name))).equals(data)).toBe(true);
}

describe.each([
  ['zip', zipPlan],
  ['tar', tarPlan],
] as const)('%s archive', (format, makePlan) => {
  let plan: ArchivePlan;
  let whole: Buffer;
  let file: string;

  beforeAll(async () => {
    plan = makePlan(entries, MTIME);
    file = join(dir, `whole.${format}`);
    whole = await writeWhole(plan, file);
  });

  it('has the length computed in advance', () => {
    expect(whole.length).toBe(plan.length);
  });

  it('unpacks with the system tool to the exact files', async () => {
    const out = join(dir, `out-${format}`);
    await fs.mkdir(out);
    if (format === 'zip') {
      run('unzip', ['-t', '-q', file]);
      run('unzip', ['-q', file, '-d', out]);
    } else {
      run('tar', ['-xf', file, '-C', out]);
    }
    await expectExtracted(out);
  });

  it("reads with Python's standard library, with the stored times", () => {
    const script =
      format === 'zip'
        ? `import zipfile,sys,json
z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
print(json.dumps({i.filename:[i.file_size,i.compress_type,list(i.date_time)] for i in z.infolist()}))`
        : `import tarfile,sys,json
t=tarfile.open(sys.argv[1]); print(json.dumps({m.name:[m.size,m.mtime,m.type.decode()] for m in t.getmembers()}))`;
    const listed = JSON.parse(run('python3', ['-c', script, file])) as Record<string, unknown[]>;
    expect(Object.keys(listed).sort()).toEqual([...contents.keys()].sort());
    for (const [name, data] of contents) {
      expect(listed[name]).toEqual(
        format === 'zip' ? [data.length, 0, [2026, 3, 4, 5, 6, 8]] : [data.length, MTIME.getTime() / 1000, '0'],
      );
    }
  });

  it('serves any byte range identical to the same slice of the whole stream', async () => {
    const cuts = [0, 1, 29, 30, 511, 512, 513, 70_000, plan.length - 23, plan.length - 1];
    for (let i = 0; i < 40; i++) cuts.push(Math.floor(Math.random() * plan.length));
    for (const start of cuts) {
      const end = Math.min(plan.length - 1, start + Math.floor(Math.random() * 100_000));
      expect((await collect(plan, start, end)).equals(whole.subarray(start, end + 1))).toBe(true);
    }
  });

  it('is deterministic, and its ETag follows the content', () => {
    expect(planEtag(makePlan(entries, MTIME))).toBe(planEtag(plan));
    expect(planEtag(makePlan(entries, new Date('2026-03-04T05:06:10Z')))).not.toBe(planEtag(plan));
    expect(planEtag(makePlan(entries.slice(1), MTIME))).not.toBe(planEtag(plan));
  });

  it('refuses ranges outside the archive and names that escape the folder', async () => {
    await expect(collect(plan, 0, plan.length)).rejects.toThrow(/outside the archive/);
    expect(() => makePlan([{ ...entries[0], name: '../evil.png' }], MTIME)).toThrow(/"\.\.\/evil\.png" must be a relative path/);
  });

  it('fails the stream when a source is shorter than planned', async () => {
    const path = join(dir, `shrinks-${format}`);
    await fs.writeFile(path, randomBytes(100));
    const p = makePlan([{ name: 'x.bin', size: 100, crc32: 0, source: { kind: 'source', source: fileSource(path) } }], MTIME);
    await fs.writeFile(path, randomBytes(99));
    await expect(collect(p, 0, p.length - 1)).rejects.toThrow(/gave 99 bytes at 0-99, expected 100/);
  });
});

describe('zip64', () => {
  it('writes ZIP64 records for an entry past 4 GiB that python and unzip read back', async () => {
    // A sparse 4.5 GiB file of zeros; the archive is written sparse too: only its header and
    // tail ranges are materialised, the zero-filled data in between is the hole.
    const size = 4.5 * 2 ** 30;
    const big = join(dir, 'big.bin');
    await fs.writeFile(big, '');
    await fs.truncate(big, size);
    const chunk = Buffer.alloc(1 << 24);
    let crc = 0;
    for (let left = size; left > 0; left -= chunk.length) crc = crc32(chunk.subarray(0, Math.min(left, chunk.length)), crc);
    const tail = Buffer.from('after the big one');
    const plan = zipPlan(
      [
        { name: 'big.bin', size, crc32: crc, source: { kind: 'source', source: fileSource(big) } },
        { name: 'tail.txt', size: tail.length, crc32: crc32(tail), source: { kind: 'bytes', data: tail } },
      ],
      MTIME,
    );
    const headEnd = plan.segments[0].kind === 'bytes' ? plan.segments[0].data.length : 0;
    const tailStart = headEnd + size;
    const out = join(dir, 'big.zip');
    const fh = await fs.open(out, 'w');
    await fh.write(await collect(plan, 0, headEnd - 1), 0, headEnd, 0);
    const rest = await collect(plan, tailStart, plan.length - 1);
    await fh.write(rest, 0, rest.length, tailStart);
    await fh.close();
    expect((await fs.stat(out)).size).toBe(plan.length);
    const listed = run('python3', [
      '-c',
      `import zipfile,sys
z=zipfile.ZipFile(sys.argv[1])
print([(i.filename,i.file_size,i.header_offset) for i in z.infolist()])
print(z.open('big.bin').read(16).hex(), z.read('tail.txt').decode())`,
      out,
    ]);
    expect(listed).toContain(`('big.bin', ${size}, 0), ('tail.txt', ${tail.length}, ${headEnd + size})`);
    expect(listed).toContain(`${'00'.repeat(16)} after the big one`);
    expect(run('unzip', ['-l', out])).toMatch(new RegExp(`${size}\\s.*big\\.bin`));
  });
});
