/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The product on an S3 image store (issue 14): the API and an in-process worker configured with a
// bucket on a real S3-compatible server (tests/helpers/s3-server.ts). An order's images land in the
// bucket and nowhere else, its archive streams from the bucket with HTTP Range, a bucket that goes
// down stalls the order (STALLED, named cause) until it returns, and a bad bucket URL stops startup.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sha256Hex } from '../../src/storage/content-store';
import { run } from '../delivery/archive-test-util';
import { authorized, completedOrder, downloadLink } from '../delivery/cohort-helpers';
import { LocalS3, startLocalS3 } from '../helpers/s3-server';
import { createApprovedPartner, REPO_ROOT, startTestStack, TestPartner, TestStack } from '../helpers/stack';

let s3: LocalS3;
let stack: TestStack;
let partner: TestPartner;
let orderId: string;
let dir: string;

beforeAll(async () => {
  s3 = await startLocalS3();
  stack = await startTestStack({ worker: true, config: { s3Storage: s3.settings('synthbus/images') } });
  partner = await createApprovedPartner(stack);
  orderId = await completedOrder(stack, partner.key, 4);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-s3-e2e-'));
});

afterAll(async () => {
  await stack?.close();
  await s3?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function imageHashes(id: string): Promise<string[]> {
  const rows = (await stack.api.deps.ds.query('SELECT sha256 FROM order_images WHERE order_id = $1', [id])) as { sha256: string }[];
  return rows.map((r) => r.sha256).sort();
}

const keyOf = (sha: string) => `synthbus/images/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;

test("an order's images are filed in the bucket under their sha256, and none in the local folder", async () => {
  const hashes = await imageHashes(orderId);
  expect(hashes).toHaveLength(4);
  expect(await s3.keys()).toEqual(expect.arrayContaining(hashes.map(keyOf)));
  expect(fs.existsSync(stack.config.storageRoot)).toBe(false);
});

test('the archive streams from the bucket: its images are the recorded bytes, and ranges are exact slices', async () => {
  const url = await downloadLink(stack, partner.key, orderId, 'ZIP');
  const res = await fetch(url, authorized(partner.key));
  expect(res.status).toBe(200);
  const body = Buffer.from(await res.arrayBuffer());
  const archive = path.join(dir, 'cohort.zip');
  fs.writeFileSync(archive, body);
  run('unzip', ['-q', archive, '-d', path.join(dir, 'out')]);
  const pngs = fs.readdirSync(path.join(dir, 'out', 'images'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  expect(pngs.map((d) => sha256Hex(fs.readFileSync(path.join(d.parentPath, d.name)))).sort()).toEqual(await imageHashes(orderId));

  // Ranges that start and end inside images: each reads part of an object with a ranged GET.
  const etag = res.headers.get('etag') as string;
  for (const [start, end] of [[100, 1099], [Math.floor(body.length / 3), Math.floor((2 * body.length) / 3)], [body.length - 500, body.length - 1]]) {
    const part = await fetch(url, authorized(partner.key, { range: `bytes=${start}-${end}`, 'if-range': etag }));
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes ${start}-${end}/${body.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(body.subarray(start, end + 1))).toBe(true);
  }
});

test('a bucket that goes down stalls the order with the cause named, and the order completes when it returns', async () => {
  const before = new Set(await s3.keys());
  await s3.down();
  const stalls: string[] = [];
  const id = await completedOrder(stack, partner.key, 2, (e) => {
    if (e.type !== 'STALLED') return;
    stalls.push(e.stalledBecause);
    void s3.up();
  });
  expect(stalls).toHaveLength(1);
  expect(stalls[0]).toMatch(/^storage unavailable, retrying: image store s3:\/\/synthbus-test\/synthbus\/images: cannot write synthbus\/images\/\S+: ECONNREFUSED \(connection refused\)$/);
  const hashes = await imageHashes(id);
  expect(hashes).toHaveLength(2);
  expect(await s3.keys()).toEqual(expect.arrayContaining(hashes.filter((h) => !before.has(keyOf(h))).map(keyOf)));
});

test('a bad SYNTHBUS_STORAGE_URL stops a process at startup, naming the setting', () => {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'worker'], {
    env: { ...process.env, DATABASE_URL: stack.databaseUrl, SYNTHBUS_STORAGE_URL: 'https://synthbus-images.s3.amazonaws.com/x' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('SYNTHBUS_STORAGE_URL must look like s3://bucket or s3://bucket/prefix, got "https://synthbus-images.s3.amazonaws.com/x"');
});
