import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContentStore, FileContentStore } from '../../src/storage/content-store';
import { S3ContentStore } from '../../src/storage/s3-content-store';
import { LocalS3, startLocalS3 } from '../helpers/s3-server';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-store-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A store under test, and where its bytes land, seen from outside the store. */
interface Backend {
  store: ContentStore;
  /** Where the store says the bytes of a hash go (a path, a key) and where they should. */
  location(sha: string): { actual: string; expected: string };
  /** The names stored beside the bytes of a hash (its folder, its key prefix). */
  neighbours(sha: string): Promise<string[]>;
  close(): Promise<void>;
}

function folderBackend(): Promise<Backend> {
  const store = new FileContentStore(root);
  return Promise.resolve({
    store,
    location: (sha) => ({ actual: store.path(sha), expected: path.join(root, sha.slice(0, 2), sha.slice(2, 4), sha) }),
    neighbours: async (sha) => fs.readdirSync(path.dirname(store.path(sha))),
    close: async () => undefined,
  });
}

let s3: LocalS3 | undefined;
afterAll(() => s3?.stop());

async function s3Backend(): Promise<Backend> {
  s3 ??= await startLocalS3();
  const store = new S3ContentStore(s3.settings('cohorts/images'));
  const server = s3;
  return {
    store,
    location: (sha) => ({ actual: store.key(sha), expected: `cohorts/images/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}` }),
    neighbours: async (sha) => {
      const dir = store.key(sha).replace(/[^/]+$/, '');
      return (await server.keys()).filter((k) => k.startsWith(dir)).map((k) => k.slice(dir.length));
    },
    close: async () => store.close(),
  };
}

// The same behaviour from both backends (issue 14): the embedded folder and an S3 bucket on a real
// S3-compatible server (tests/helpers/s3-server.ts).
describe.each([
  ['a local folder', folderBackend],
  ['an S3 bucket', s3Backend],
])('the content store in %s', (_where, open) => {
  let b: Backend;
  beforeAll(async () => {
    b = await open();
  });
  afterAll(() => b.close());

  test('bytes are filed under their sha256; storing twice is a no-op; ranges stream', async () => {
    const { store } = b;
    const bytes = Buffer.from('not really a PNG, but bytes all the same');
    const sha = await store.put(bytes);
    expect(sha).toBe(createHash('sha256').update(bytes).digest('hex'));
    const { actual, expected } = b.location(sha);
    expect(actual).toBe(expected);
    expect(await store.put(bytes)).toBe(sha);
    expect(await b.neighbours(sha)).toEqual([sha]); // nothing else left behind
    expect((await store.get(sha)).equals(bytes)).toBe(true);
    expect(await store.has(sha)).toBe(true);
    expect(await store.has('0'.repeat(64))).toBe(false);
    const chunks: Buffer[] = [];
    for await (const c of store.stream(sha, { start: 4, end: 9 })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('really');
    const whole: Buffer[] = [];
    for await (const c of store.stream(sha)) whole.push(c as Buffer);
    expect(Buffer.concat(whole).equals(bytes)).toBe(true);
  });

  test('a name that is not a sha256 digest is refused (no path tricks)', async () => {
    const { store } = b;
    expect(() => store.stream('../../etc/passwd')).toThrow('not a sha256 hex digest: "../../etc/passwd"');
    expect(() => store.stream('A'.repeat(64))).toThrow(/not a sha256/);
    await expect(store.has('../x')).rejects.toThrow(/not a sha256/);
    await expect(store.get('0'.repeat(63))).rejects.toThrow(/not a sha256/);
  });

  test('delete removes the bytes once; deleting again (or bytes never stored) is harmless', async () => {
    const { store } = b;
    const sha = await store.put(Buffer.from('bytes a cohort deletion removes'));
    expect(await store.delete(sha)).toBe(true);
    expect(await store.has(sha)).toBe(false);
    expect(await b.neighbours(sha)).toEqual([]);
    expect(await store.delete(sha)).toBe(false);
    expect(await store.delete('1'.repeat(64))).toBe(false);
    await expect(store.delete('../x')).rejects.toThrow(/not a sha256/);
  });
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
