import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileContentStore } from '../../src/storage/content-store';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-store-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('bytes are filed under their sha256; storing twice is a no-op; ranges stream', async () => {
  const store = new FileContentStore(root);
  const bytes = Buffer.from('not really a PNG, but bytes all the same');
  const sha = await store.put(bytes);
  expect(sha).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(store.path(sha)).toBe(path.join(root, sha.slice(0, 2), sha.slice(2, 4), sha));
  expect(await store.put(bytes)).toBe(sha);
  expect(fs.readdirSync(path.dirname(store.path(sha)))).toEqual([sha]); // no temp files left behind
  expect((await store.get(sha)).equals(bytes)).toBe(true);
  expect(await store.has(sha)).toBe(true);
  expect(await store.has('0'.repeat(64))).toBe(false);
  const chunks: Buffer[] = [];
  for await (const c of store.stream(sha, { start: 4, end: 9 })) chunks.push(c as Buffer);
  expect(Buffer.concat(chunks).toString()).toBe('really');
});

test('a name that is not a sha256 digest is refused (no path tricks)', () => {
  const store = new FileContentStore(root);
  expect(() => store.path('../../etc/passwd')).toThrow('not a sha256 hex digest: "../../etc/passwd"');
  expect(() => store.path('A'.repeat(64))).toThrow(/not a sha256/);
});

// Finding 6 of issue 10: faults name their real cause, and a failed write leaves nothing behind.
describe('storage faults', () => {
  afterEach(() => jest.restoreAllMocks());
  const errno = (code: string, syscall: string) => Object.assign(new Error(`${code}: ${syscall} failed`), { code, syscall });

  test('a disk that fills up mid-write: ENOSPC named, no temp file left, nothing under the final name', async () => {
    const store = new FileContentStore(root);
    const bytes = Buffer.from('a PNG that does not fit on the disk');
    const realOpen = fs.promises.open;
    jest.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof realOpen>) => {
      const file = await realOpen(...args);
      // Half the bytes land, then the disk is full.
      return Object.assign(Object.create(file) as typeof file, {
        writeFile: async (b: Buffer) => {
          await file.writeFile(b.subarray(0, b.length >> 1));
          throw errno('ENOSPC', 'write');
        },
      });
    });
    await expect(store.put(bytes)).rejects.toMatchObject({ name: 'StorageError', code: 'ENOSPC', message: expect.stringMatching(/cannot write .*: ENOSPC \(no space left on device\)/) });
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(fs.readdirSync(path.dirname(store.path(sha)))).toEqual([]);
    expect(await store.has(sha)).toBe(false);
  });

  test('the temp file of a writer killed mid-write goes once the same bytes are stored', async () => {
    const store = new FileContentStore(root);
    const bytes = Buffer.from('an image whose first writer was killed with SIGKILL');
    const sha = createHash('sha256').update(bytes).digest('hex');
    fs.mkdirSync(path.dirname(store.path(sha)), { recursive: true });
    fs.writeFileSync(`${store.path(sha)}.0123456789ab.tmp`, bytes.subarray(0, 10));
    expect(await store.put(bytes)).toBe(sha);
    expect(fs.readdirSync(path.dirname(store.path(sha)))).toEqual([sha]);
  });

  test('a directory it may not write: EACCES named, not the ENOENT a recursive mkdir reports', async () => {
    const store = new FileContentStore(root);
    jest.spyOn(fs.promises, 'mkdir').mockRejectedValue(errno('ENOENT', 'mkdir'));
    const realAccess = fs.promises.access;
    jest.spyOn(fs.promises, 'access').mockImplementation((p, mode) => (mode === fs.constants.W_OK ? Promise.reject(errno('EACCES', 'access')) : realAccess(p, mode)));
    await expect(store.put(Buffer.from('denied'))).rejects.toMatchObject({ code: 'EACCES', message: expect.stringMatching(/cannot create the directory .*: EACCES \(permission denied\)/) });
  });
});

test('delete removes the bytes once; deleting again (or bytes never stored) is harmless', async () => {
  const store = new FileContentStore(root);
  const sha = await store.put(Buffer.from('bytes a cohort deletion removes'));
  expect(await store.delete(sha)).toBe(true);
  expect(await store.has(sha)).toBe(false);
  expect(fs.existsSync(store.path(sha))).toBe(false);
  expect(await store.delete(sha)).toBe(false);
  expect(await store.delete('1'.repeat(64))).toBe(false);
  await expect(store.delete('../x')).rejects.toThrow(/not a sha256/);
});
