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
