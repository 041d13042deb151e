/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The compiled `synthbus` CLI against a real API and worker: order, pull through a connection that
// drops (resumed within the run and by the next run, byte-identical), tamper detection.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileContentStore } from '../../src/storage/content-store';
import { createApprovedPartner, gqlOk, startTestStack, TestPartner, TestStack } from '../helpers/stack';
import { authorized, downloadLink, firstModel } from '../delivery/cohort-helpers';
import { CuttingProxy, runCli, startCuttingProxy } from '../cli/cli-helpers';

let stack: TestStack;
let partner: TestPartner;
let proxy: CuttingProxy;
let dir: string;
let env: Record<string, string>;
let orderId: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: true });
  partner = await createApprovedPartner(stack, 'CLI Clinic');
  proxy = await startCuttingProxy(stack.url);
  dir = await fs.mkdtemp(join(tmpdir(), 'synthbus-cli-'));
  env = { SYNTHBUS_API_KEY: partner.key, SYNTHBUS_URL: proxy.url };
});

afterAll(async () => {
  await proxy?.close();
  await stack?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

it('order prints the id of the order it placed', async () => {
  const { birads } = await firstModel(stack, partner.key);
  const mix = `${birads[0]}=0.5,${birads[birads.length - 1]}=0.5`;
  const r = await runCli(['order', '--mix', mix, '--size', '6', '--seed', '5'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  orderId = r.stdout.trim();
  const { order } = await gqlOk(stack.url, 'query($id: ID!) { order(id: $id) { size seed counts { birads count } } }', { id: orderId }, partner.key);
  expect(order).toEqual({ size: 6, seed: 5, counts: [{ birads: birads[0], count: 3 }, { birads: birads[birads.length - 1], count: 3 }] });
});

it('pull resumes a download cut short, in the same run and in the next one, and ends byte-identical', async () => {
  const out = join(dir, 'cohort');
  proxy.cutAfter = 1000;
  const first = await runCli(['pull', orderId, '--out', out], env);
  expect(first.code).toBe(1);
  expect(first.stderr).toMatch(/did not complete after 5 attempts: the connection dropped at byte 5000 of \d+.*Run pull again to resume from 4\.9 KiB/);
  expect(first.stderr).toMatch(/generating .*\] 100% 6\/6 images/); // progress fed by the subscription
  expect(proxy.downloadRanges).toEqual(['', 'bytes=1000-', 'bytes=2000-', 'bytes=3000-', 'bytes=4000-']);

  proxy.cutAfter = null;
  const second = await runCli(['pull', orderId, '--out', out], env);
  expect(second.stderr).toContain('resuming the download at byte 5000');
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/^OK: 6 of 6 images in .*every sha256 matches metadata.csv and the certificate/);
  expect(proxy.downloadRanges.slice(5)).toEqual(['bytes=5000-']);

  const direct = Buffer.from(await (await fetch(await downloadLink(stack, partner.key, orderId, 'ZIP'), authorized(partner.key))).arrayBuffer());
  const pulled = await fs.readFile(join(out, '.synthbus', `synthbus-${orderId}.zip`));
  expect(pulled.equals(direct)).toBe(true);
  expect(await fs.readdir(join(out, '.synthbus'))).toEqual([`synthbus-${orderId}.zip`]); // no .part or .etag left
  expect((await fs.readdir(out)).sort()).toEqual(['.synthbus', 'DATASET_CARD.md', 'MODEL_CARD.md', 'certificate.json', 'images', 'metadata.csv']);
});

it('verify-certificate passes on the pulled cohort and names a tampered image', async () => {
  const out = join(dir, 'cohort');
  const ok = await runCli(['verify-certificate', join(out, 'certificate.json'), '--images', join(out, 'images')], {});
  expect(ok.code).toBe(0);
  const [, row] = (await fs.readFile(join(out, 'metadata.csv'), 'utf8')).split('\r\n');
  const victim = row.split(',')[0];
  const bytes = await fs.readFile(join(out, victim));
  bytes[bytes.length - 20] ^= 0x01;
  await fs.writeFile(join(out, victim), bytes);
  const bad = await runCli(['verify-certificate', join(out, 'certificate.json'), '--images', join(out, 'images')], {});
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain(victim);
});

it('pull fails naming the file when the server delivers a tampered image', async () => {
  const { order } = await gqlOk(stack.url, 'query($id: ID!) { order(id: $id) { images(first: 1) { edges { node { index birads sha256 } } } } }', { id: orderId }, partner.key);
  const image = order.images.edges[0].node;
  const store = new FileContentStore(stack.config.storageRoot);
  const original = await store.get(image.sha256);
  const tampered = Buffer.from(original);
  tampered[tampered.length - 20] ^= 0x01;
  expect(createHash('sha256').update(tampered).digest('hex')).not.toBe(image.sha256);
  await fs.writeFile(store.path(image.sha256), tampered);
  try {
    const r = await runCli(['pull', orderId, '--out', join(dir, 'tampered'), '--format', 'tar'], env);
    expect(r.code).toBe(1);
    const name = `images/${image.birads}/${String(image.index).padStart(6, '0')}.png`;
    expect(r.stdout).toContain(`FAILED: the cohort in ${join(dir, 'tampered')} does not verify`);
    expect(r.stdout).toContain(`${name}: sha256 is`);
  } finally {
    await fs.writeFile(store.path(image.sha256), original);
  }
});

it('pull stops with the reason when the order is cancelled', async () => {
  const { birads } = await firstModel(stack, partner.key);
  const placed = await runCli(['order', '--mix', `${birads[0]}=1`, '--size', '40'], env);
  const id = placed.stdout.trim();
  await gqlOk(stack.url, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id }, partner.key);
  const r = await runCli(['pull', id, '--out', join(dir, 'cancelled')], env);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`synthbus pull: order ${id} cancelled`);
});

it('orders with the sampler given, and passes on the API\'s refusal of an unknown one', async () => {
  const { birads } = await firstModel(stack, partner.key);
  const placed = await runCli(['order', '--mix', `${birads[0]}=1`, '--size', '1', '--sampler', 'DPM_SOLVER_PP', '--steps', '2'], env);
  expect(placed.code).toBe(0);
  const { order } = await gqlOk(stack.url, 'query($id: ID!) { order(id: $id) { sampler } }', { id: placed.stdout.trim() }, partner.key);
  expect(order.sampler).toBe('DPM_SOLVER_PP');
  const unknown = await runCli(['order', '--mix', `${birads[0]}=1`, '--size', '1', '--sampler', 'EULER'], env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/EULER/);
});

it('explains usage errors and a missing key (exit 2) and a refused key (exit 1)', async () => {
  const badMix = await runCli(['order', '--mix', '3=lots', '--size', '4'], env);
  expect(badMix.code).toBe(2);
  expect(badMix.stderr).toContain('--mix: "3=lots" is not BIRADS=FRACTION');
  const noKey = await runCli(['pull', orderId, '--out', dir], { SYNTHBUS_URL: proxy.url });
  expect(noKey.code).toBe(2);
  expect(noKey.stderr).toContain('no API key: pass --api-key or set SYNTHBUS_API_KEY');
  const refused = await runCli(['order', '--mix', '3=1', '--size', '4', '--api-key', 'sbk_wrong'], env);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/UNAUTHENTICATED/);
  const refusedPull = await runCli(['pull', orderId, '--out', join(dir, 'never'), '--api-key', 'sbk_wrong'], env);
  expect(refusedPull.code).toBe(1);
  expect(refusedPull.stderr).toContain('progress subscription failed: the API refused the API key (WebSocket closed 4403 Forbidden)');
});
