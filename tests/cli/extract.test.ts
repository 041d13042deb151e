import { createReadStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ArchiveEntry, fileSource } from '../../src/delivery/archive-plan';
import { crc32Stream } from '../../src/delivery/crc32';
import { tarPlan } from '../../src/delivery/tar';
import { zipPlan } from '../../src/delivery/zip';
import { extractArchive } from '../../src/cli/extract';
import { run, writeWhole } from '../delivery/archive-test-util';

let dir: string;
const files = new Map<string, Buffer>();
let entries: ArchiveEntry[];

beforeAll(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'synthbus-extract-'));
  entries = [];
  for (const [name, size] of [['images/3/000000.png', 3000], ['metadata.csv', 10], ['empty.txt', 0]] as const) {
    const data = randomBytes(size);
    const path = join(dir, `src${entries.length}`);
    await fs.writeFile(path, data);
    files.set(name, data);
    entries.push({ name, size, crc32: (await crc32Stream(createReadStream(path))).crc, source: { kind: 'source', source: fileSource(path) } });
  }
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe.each(['zip', 'tar'] as const)('extracting a %s', (format) => {
  it('writes every file of our archives exactly', async () => {
    const archive = join(dir, `a.${format}`);
    await writeWhole((format === 'zip' ? zipPlan : tarPlan)(entries, new Date()), archive);
    const out = join(dir, `out-${format}`);
    expect((await extractArchive(archive, format, out)).sort()).toEqual([...files.keys()].sort());
    for (const [name, data] of files) expect((await fs.readFile(join(out, name))).equals(data)).toBe(true);
  });

  it('reads the same format written by the system tool', async () => {
    const src = join(dir, `sys-${format}`);
    await fs.mkdir(join(src, 'images/4'), { recursive: true });
    await fs.writeFile(join(src, 'images/4/x.png'), 'png bytes');
    const archive = join(dir, `sys.${format}`);
    if (format === 'zip') run('sh', ['-c', `cd ${src} && zip -q -0 -r ${archive} images`]);
    else run('tar', ['--format=ustar', '-cf', archive, '-C', src, 'images/4/x.png']);
    const out = join(dir, `sys-out-${format}`);
    await extractArchive(archive, format, out);
    expect(await fs.readFile(join(out, 'images/4/x.png'), 'utf8')).toBe('png bytes');
  });

  it('refuses a truncated archive with a clear message', async () => {
    const archive = join(dir, `a.${format}`);
    const cut = join(dir, `cut.${format}`);
    const whole = await fs.readFile(archive);
    await fs.writeFile(cut, whole.subarray(0, format === 'zip' ? whole.length - 30 : 1600));
    await expect(extractArchive(cut, format, join(dir, `cut-out-${format}`))).rejects.toThrow(/truncated/);
  });
});

it('refuses entries that would escape the folder', async () => {
  const archive = join(dir, 'evil.tar');
  run('python3', ['-c', `import tarfile,io
t=tarfile.open("${archive}","w",format=tarfile.USTAR_FORMAT); i=tarfile.TarInfo("../evil.txt"); i.size=1; t.addfile(i, io.BytesIO(b"x")); t.close()`]);
  await expect(extractArchive(archive, 'tar', join(dir, 'evil-out'))).rejects.toThrow(/"..\/evil.txt" would be written outside/);
});

it('refuses a zip whose stored bytes were altered (CRC-32)', async () => {
  const archive = join(dir, 'a.zip');
  const bad = join(dir, 'bad.zip');
  const b = Buffer.from(await fs.readFile(archive));
  b[30 + 'images/3/000000.png'.length + 5] ^= 0xff;
  await fs.writeFile(bad, b);
  await expect(extractArchive(bad, 'zip', join(dir, 'bad-out'))).rejects.toThrow(/"images\/3\/000000.png" fails its CRC-32 check/);
});
