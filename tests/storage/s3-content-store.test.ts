// What only a bucket can do wrong (issue 14): an object under a hash's key that is not those bytes,
// a server that is down, a bucket that is missing. Against a real S3-compatible server on 127.0.0.1.
import net from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/config';
import { sha256Hex } from '../../src/storage/content-store';
import { S3ContentStore } from '../../src/storage/s3-content-store';
import { LocalS3, startLocalS3 } from '../helpers/s3-server';

let s3: LocalS3;
let store: S3ContentStore;
beforeAll(async () => {
  s3 = await startLocalS3();
  store = new S3ContentStore(s3.settings('p'));
});
afterAll(async () => {
  store?.close();
  await s3?.stop();
});

async function read(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('storing bytes already in the bucket sends nothing; only the first put reaches the server', async () => {
  const bytes = Buffer.from('an image a retried shard makes again');
  const sha = await store.put(bytes);
  expect(await store.put(bytes)).toBe(sha);
  expect(await store.put(Buffer.from(bytes))).toBe(sha);
  expect(s3.writes.filter((k) => k === store.key(sha))).toHaveLength(1);
});

test('an object under a hash whose bytes are not that hash is refused on read and replaced on the next put', async () => {
  const bytes = Buffer.from('the real bytes of this image');
  const sha = sha256Hex(bytes);
  const key = store.key(sha);
  // Written behind the store's back (a bad copy, a truncated upload): same length, other bytes.
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from('THE REAL BYTES OF THIS IMAGE') }));
  await expect(store.get(sha)).rejects.toMatchObject({ name: 'StorageError', code: 'BadDigest', message: expect.stringContaining(`${key} holds bytes whose sha256 is `) });
  const before = s3.writes.length;
  expect(await store.put(bytes)).toBe(sha);
  expect(s3.writes.slice(before)).toEqual([key]);
  expect((await store.get(sha)).equals(bytes)).toBe(true);
  await store.put(bytes);
  expect(s3.writes.slice(before)).toEqual([key]);
});

test('a missing object: has() is false, get() and stream() fail with S3’s NoSuchKey', async () => {
  const sha = sha256Hex(Buffer.from('never stored'));
  expect(await store.has(sha)).toBe(false);
  await expect(store.get(sha)).rejects.toMatchObject({ name: 'StorageError', code: 'NoSuchKey' });
  await expect(read(store.stream(sha, { start: 0, end: 3 }))).rejects.toMatchObject({ name: 'StorageError', code: 'NoSuchKey', message: expect.stringMatching(/^image store s3:\/\/synthbus-test\/p: cannot read p\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}: NoSuchKey \(/) });
});

test('a server that is down: every call is a StorageError naming the refused connection, and the store works again when it returns', async () => {
  const bytes = Buffer.from('an image made while the bucket was unreachable');
  const sha = sha256Hex(bytes);
  await s3.down();
  try {
    const refused = { name: 'StorageError', code: 'ECONNREFUSED' };
    await expect(store.put(bytes)).rejects.toMatchObject({ ...refused, message: `image store s3://synthbus-test/p: cannot write ${store.key(sha)}: ECONNREFUSED (connection refused)` });
    await expect(store.has(sha)).rejects.toMatchObject(refused);
    await expect(store.get(sha)).rejects.toMatchObject(refused);
    await expect(read(store.stream(sha))).rejects.toMatchObject(refused);
    await expect(store.delete(sha)).rejects.toMatchObject(refused);
  } finally {
    await s3.up();
  }
  expect(await store.put(bytes)).toBe(sha);
  expect((await read(store.stream(sha, { start: 3, end: 7 }))).toString()).toBe('image');
});

test('a server that accepts connections and never answers: the request times out into a StorageError', async () => {
  const sockets: net.Socket[] = [];
  const blackHole = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const { port } = blackHole.address() as net.AddressInfo;
  const silent = new S3ContentStore({ ...s3.settings('p'), endpoint: `http://127.0.0.1:${port}` }, { connectMs: 5_000, silenceMs: 200 });
  try {
    await expect(silent.put(Buffer.from('x'))).rejects.toMatchObject({ name: 'StorageError', message: expect.stringMatching(/: (ETIMEDOUT|TimeoutError) \(timed out\)$/) });
  } finally {
    silent.close();
    for (const s of sockets) s.destroy();
    blackHole.close();
  }
});

test('a missing bucket is a StorageError with S3’s code and message, and no secret appears in it', async () => {
  const secret = 'a-secret-that-must-never-be-printed';
  const settings = s3.settings();
  const lost = new S3ContentStore({ ...settings, bucket: 'no-such-bucket', credentials: { accessKeyId: 'S3RVER', secretAccessKey: secret } });
  try {
    const e = await lost.put(Buffer.from('x')).then(() => null, (err: Error) => err);
    expect(e).toMatchObject({ name: 'StorageError', code: 'NoSuchBucket', message: expect.stringMatching(/^image store s3:\/\/no-such-bucket: cannot write [0-9a-f/]+: NoSuchBucket \(The specified bucket does not exist\)$/) });
    expect(`${e?.message} ${e?.stack}`).not.toContain(secret);
  } finally {
    lost.close();
  }
});

test("the helper's variables for a child process name the same bucket as its settings, over a folder set before them", () => {
  expect(loadConfig({ SYNTHBUS_STORAGE_DIR: '/srv/images', ...s3.env('fleet') }).s3Storage).toEqual(s3.settings('fleet'));
});
