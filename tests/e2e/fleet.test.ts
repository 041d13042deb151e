// A fleet in one test (issue 14): two `main.js api` and three `main.js worker` processes that share
// only PostgreSQL, an S3 bucket (a real S3-compatible server, tests/helpers/s3-server.ts) and the
// keys docs/deploy.md says they must share (each has its own data dir). One order of six shards: a
// subscriber on each API hears the same events in the same order, ending COMPLETED; several workers
// made its images, all in the bucket; the cohort downloads from either API byte-identical.
import type { ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAppDataSource } from '../../src/db/data-source';
import { migrate } from '../../src/db/migrate';
import { FIXTURE_BUNDLE_DIR, readBundle } from '../../src/generation/bundle';
import { issueKey } from '../../src/services/api-keys';
import { registerModels } from '../../src/services/models';
import { PARTNER_SCOPES } from '../../src/services/principal';
import { authorized, downloadLink } from '../delivery/cohort-helpers';
import { LocalS3, startLocalS3 } from '../helpers/s3-server';
import { cleanUpProduct, spawnMain } from '../helpers/start-process';
import { collectProgress, createApprovedPartner, createDatabase, gqlOk } from '../helpers/stack';

const SHARD_SIZE = 4;
const SHARDS = 6;
const SIZE = SHARD_SIZE * SHARDS;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-fleet-'));
const children: ChildProcess[] = [];
let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await cleanUpProduct(root, children);
  await s3?.stop();
});

/** A fresh Ed25519 private key (PKCS#8 PEM, mode 0600) under the test's folder. */
function keyFile(name: string): string {
  const file = path.join(root, name);
  fs.writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return file;
}

async function spawn(kind: 'api' | 'worker', n: number, env: NodeJS.ProcessEnv): Promise<string> {
  const ready = kind === 'api' ? /SynthBUS GraphQL endpoint: (http:\/\/[^\s"]+)/ : /worker ([^\s"]+): 1 slot\(s\)/;
  const p = await spawnMain(kind, { ...env, SYNTHBUS_DATA_DIR: path.join(root, `${kind}-${n}`) }, ready);
  children.push(p.child);
  return p.match[1];
}

test('two APIs and three workers: every subscriber hears the same events in order; downloads are byte-identical', async () => {
  const databaseUrl = await createDatabase();
  await migrate(databaseUrl);
  const ds = await openAppDataSource(databaseUrl, 1);
  const { secret: adminKey } = await issueKey(ds, { partnerId: null, name: 'fleet admin', scopes: [...PARTNER_SCOPES] });
  // What a worker announces; done here so that the order can wait QUEUED until both subscribers listen.
  const { summary } = readBundle(FIXTURE_BUNDLE_DIR);
  await registerModels(ds, [summary]);

  const shared = { DATABASE_URL: databaseUrl, ...s3.env('fleet'), SYNTHBUS_SHARD_SIZE: String(SHARD_SIZE), SYNTHBUS_BATCH_SIZE: '2', SYNTHBUS_WORKER_PORT: '0' };
  const apiEnv = { ...shared, SYNTHBUS_LINK_SECRET: randomBytes(32).toString('base64'), SYNTHBUS_AUDIT_CHECKPOINT_KEY_FILE: keyFile('audit-checkpoint.pem') };
  const apis = await Promise.all([0, 1].map((n) => spawn('api', n, apiEnv)));
  expect(new Set(apis).size).toBe(2);
  const wsUrls = apis.map((u) => u.replace(/^http/, 'ws'));

  const partner = await createApprovedPartner({ url: apis[0], adminKey });
  const [a, b] = summary.classes.map((c) => c.birads);
  const input = { modelId: summary.modelId, size: SIZE, mix: [{ birads: a, count: SIZE / 2 }, { birads: b, count: SIZE / 2 }], seed: 20261127, steps: summary.minSteps };
  const { placeOrder } = await gqlOk(apis[1], `mutation($i: OrderInput!) { placeOrder(input: $i) { id status } }`, { i: input }, partner.key);
  expect(placeOrder.status).toBe('QUEUED');
  // Held back until all three workers run, so that the first one ready cannot take every shard.
  await ds.query(`UPDATE shard_jobs SET run_after = now() + interval '1 hour' WHERE order_id = $1`, [placeOrder.id]);

  // Both subscribers have their SNAPSHOT before any worker runs, so each must hear every event.
  const listening: Promise<void>[] = [];
  const streams = wsUrls.map((ws) => {
    let heard: () => void = () => undefined;
    listening.push(new Promise<void>((r) => (heard = r)));
    return collectProgress(ws, partner.key, placeOrder.id, () => heard());
  });
  await Promise.all(listening);
  const workerEnv = { ...shared, SYNTHBUS_SIGNING_KEY_FILE: keyFile('certificate-signing.pem') };
  const workerIds = await Promise.all([0, 1, 2].map((n) => spawn('worker', n, workerEnv)));
  await ds.query(`UPDATE shard_jobs SET run_after = now() WHERE order_id = $1`, [placeOrder.id]);
  const [fromA, fromB] = await Promise.all(streams);

  // The same events in the same (commit) order on both: the snapshot, the start, one event per
  // image, the end. (Each worker's figures never go down; across workers an event counts the rows
  // committed when its transaction read them, so `delivered` is not compared between events.)
  expect(fromA).toEqual(fromB);
  expect(fromA.filter((e) => !e.type.startsWith('IMAGE_')).map((e) => e.type)).toEqual(['SNAPSHOT', 'STARTED', 'COMPLETED']);
  expect(fromA[0]).toMatchObject({ status: 'QUEUED', delivered: 0 });
  expect(fromA[1].type).toBe('STARTED');
  expect(fromA[fromA.length - 1]).toMatchObject({ type: 'COMPLETED', delivered: SIZE });
  const delivered = fromA.filter((e) => e.type === 'IMAGE_DELIVERED');
  expect(delivered.map((e) => e.index).sort((x, y) => x - y)).toEqual([...Array(SIZE).keys()]);

  // Every shard is done, and more than one worker made the images.
  const shards = (await ds.query(`SELECT state, count(*)::int AS n FROM shard_jobs WHERE order_id = $1 GROUP BY state`, [placeOrder.id])) as { state: string; n: number }[];
  expect(shards).toEqual([{ state: 'DONE', n: SHARDS }]);
  const makers = (await ds.query(`SELECT DISTINCT delivered_by FROM order_images WHERE order_id = $1`, [placeOrder.id])) as { delivered_by: string }[];
  const by = makers.map((m) => m.delivered_by);
  expect(by.every((w) => workerIds.includes(w))).toBe(true);
  expect(by.length).toBeGreaterThan(1);
  // Each image's bytes are in the bucket, under the fleet's prefix, and nowhere else.
  const stored = (await ds.query(`SELECT DISTINCT sha256 FROM order_images WHERE order_id = $1`, [placeOrder.id])) as { sha256: string }[];
  expect((await s3.keys()).map((k) => k.split('/').pop()).sort()).toEqual(stored.map((r) => r.sha256).sort());
  expect((await s3.keys()).every((k) => k.startsWith('fleet/'))).toBe(true);
  expect(fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'images')))).toEqual([]); // no data dir's default folder
  await ds.destroy();

  // A link made by one API is served by the other too (shared link secret); both bytes agree.
  const digests = await Promise.all(
    apis.map(async (made, i) => {
      const link = new URL(await downloadLink({ url: made }, partner.key, placeOrder.id, 'ZIP'));
      const res = await fetch(new URL(link.pathname + link.search, apis[1 - i]), authorized(partner.key));
      expect(res.status).toBe(200);
      return createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
    }),
  );
  expect(digests[0]).toBe(digests[1]);
});
