/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Downloads through the real API: a worker makes a small cohort, the archive is streamed over
// HTTP, unpacked with the system tools and every file checked against the signed certificate.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDownloadToken } from '../../src/delivery/links';
import { loadLinkSecret } from '../../src/delivery/link-secret';
import { verifyCertificateFile } from '../../src/privacy/verify';
import { createApprovedPartner, gql, gqlOk, startTestStack, TestPartner, TestStack } from '../helpers/stack';
import { sqlDuring } from '../server/sql-spy';
import { run } from './archive-test-util';
import { authorized, completedOrder, downloadLink } from './cohort-helpers';

const SIZE = 6;
let stack: TestStack;
let a: TestPartner;
let b: TestPartner;
let orderId: string;
let dir: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: true });
  a = await createApprovedPartner(stack, 'Clinic A');
  b = await createApprovedPartner(stack, 'Clinic B');
  orderId = await completedOrder(stack, a.key, SIZE);
  dir = await fs.mkdtemp(join(tmpdir(), 'synthbus-download-'));
});

afterAll(async () => {
  await stack?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function auditEntries(action: string): Promise<{ actor: string; outcome: string; targetId: string | null; detail: Record<string, unknown> }[]> {
  const { auditLog } = await gqlOk(stack.url, 'query($f: AuditFilterInput) { auditLog(filter: $f, first: 100) { edges { node { actor outcome targetId detail } } } }', { f: { action } }, stack.adminKey);
  return auditLog.edges.map((e: { node: unknown }) => e.node);
}

describe.each(['ZIP', 'TAR'] as const)('a %s download', (format) => {
  let body: Buffer;
  let res: Response;
  let url: string;

  beforeAll(async () => {
    url = await downloadLink(stack, a.key, orderId, format);
    res = await fetch(url, authorized(a.key));
    body = Buffer.from(await res.arrayBuffer());
  });

  it('is a complete, resumable, cacheable-by-version response', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(res.headers.get('etag')).toMatch(/^"[\w-]{32}"$/);
    expect(res.headers.get('content-type')).toBe(format === 'ZIP' ? 'application/zip' : 'application/x-tar');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="synthbus-${orderId}.${format.toLowerCase()}"`);
  });

  it('unpacks to a cohort whose every file matches the signed certificate', async () => {
    const archive = join(dir, `cohort.${format}`);
    const out = join(dir, `out-${format}`);
    await fs.writeFile(archive, body);
    await fs.mkdir(out);
    if (format === 'ZIP') run('unzip', ['-q', archive, '-d', out]);
    else run('tar', ['-xf', archive, '-C', out]);
    expect((await fs.readdir(out)).sort()).toEqual(['DATASET_CARD.md', 'MODEL_CARD.md', 'certificate.json', 'images', 'metadata.csv']);

    const { certificateKeys } = await gqlOk(stack.url, '{ certificateKeys { keyId publicKeyPem } }');
    const keysFile = join(dir, 'keys.json');
    await fs.writeFile(keysFile, JSON.stringify(certificateKeys));
    const verified = await verifyCertificateFile(join(out, 'certificate.json'), { imagesDir: join(out, 'images'), publicKeysFile: keysFile });
    expect(verified.problems).toEqual([]);
    expect(verified.record?.order.orderId).toBe(orderId);

    // metadata.csv lists exactly the certified images, and the folder passes the loaders' rules.
    const summary = JSON.parse(run('python3', [join(__dirname, 'check_layout.py'), out]));
    expect(summary.rows).toBe(SIZE);
    const csv = await fs.readFile(join(out, 'metadata.csv'), 'utf8');
    const csvHashes = csv.trim().split('\r\n').slice(1).map((l) => l.split(',')[4]).sort();
    expect(csvHashes).toEqual(verified.record?.images.map((i) => i.sha256).sort());
    const card = await fs.readFile(join(out, 'DATASET_CARD.md'), 'utf8');
    expect(card).toContain('Every image in this dataset is synthetic');
    expect(card).toContain(orderId);
    expect(card).toContain('tiny test model (a fixture)');
    // MODEL_CARD.md is the bundle's own card, which carries the training data's licence and citation.
    const { models } = await gqlOk(stack.url, '{ models { modelCard } }');
    expect(await fs.readFile(join(out, 'MODEL_CARD.md'), 'utf8')).toBe(models[0].modelCard);
    expect(models[0].modelCard).toMatch(/Required citation/);
  });

  it('serves single ranges as exact slices, honours If-Range, and refuses ranges past the end', async () => {
    const etag = res.headers.get('etag') as string;
    const part = await fetch(url, authorized(a.key, { range: 'bytes=100-1099' }));
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${body.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(body.subarray(100, 1100))).toBe(true);

    const resumed = await fetch(url, authorized(a.key, { range: `bytes=${body.length - 500}-`, 'if-range': etag }));
    expect(resumed.status).toBe(206);
    expect(Buffer.from(await resumed.arrayBuffer()).equals(body.subarray(body.length - 500))).toBe(true);

    const changed = await fetch(url, authorized(a.key, { range: 'bytes=100-', 'if-range': '"another-version"' }));
    expect(changed.status).toBe(200);
    expect(Buffer.from(await changed.arrayBuffer()).equals(body)).toBe(true);

    const past = await fetch(url, authorized(a.key, { range: `bytes=${body.length}-` }));
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${body.length}`);

    const head = await fetch(url, { method: 'HEAD', ...authorized(a.key) });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(body.length);
    expect(head.headers.get('etag')).toBe(etag);
  });

  it('answers a resumed request with one lookup of the order and one audit row, reusing the archive it prepared', async () => {
    let part: Response | undefined;
    const sql = await sqlDuring(async () => {
      part = await fetch(url, authorized(a.key, { range: 'bytes=0-99' }));
      await part.arrayBuffer();
    });
    expect(part?.status).toBe(206);
    expect(sql.filter((q) => /FROM "orders"/.test(q))).toHaveLength(1);
    expect(sql.filter((q) => /order_images|certificates|"models"|signing_keys/.test(q))).toEqual([]);
    expect(sql.filter((q) => /INSERT INTO audit_log/.test(q))).toHaveLength(1);
  });

  it('is byte-identical when downloaded again with a fresh link', async () => {
    const again = await fetch(await downloadLink(stack, a.key, orderId, format), authorized(a.key));
    expect(Buffer.from(await again.arrayBuffer()).equals(body)).toBe(true);
  });
});

describe('refused links', () => {
  let url: string;
  beforeAll(async () => {
    url = await downloadLink(stack, a.key, orderId, 'ZIP');
  });

  async function refusal(u: string, key: string | null): Promise<{ status: number; code: string; reason: string; message: string }> {
    const r = await fetch(u, key ? authorized(key) : {});
    const body = (await r.json()) as { errors: { message: string; extensions: { code: string; reason: string } }[] };
    return { status: r.status, ...body.errors[0].extensions, message: body.errors[0].message };
  }

  it("refuses another partner's key, and audits it", async () => {
    const r = await refusal(url, b.key);
    expect(r).toMatchObject({ status: 403, code: 'FORBIDDEN', reason: 'LINK_OTHER_PARTNER' });
    const audited = (await auditEntries('download.refused')).filter((e) => e.actor === `partner:${b.partnerId}`);
    expect(audited).toEqual([expect.objectContaining({ outcome: 'denied', detail: expect.objectContaining({ reason: 'LINK_OTHER_PARTNER' }) })]);
  });

  it('refuses an altered link, and audits it', async () => {
    const token = url.slice(url.lastIndexOf('/') + 1);
    const [v, body, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as unknown[];
    claims[3] = (claims[3] as number) + 3600; // a longer life
    const forged = `${v}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    const r = await refusal(url.replace(token, forged), a.key);
    expect(r).toMatchObject({ status: 403, reason: 'LINK_INVALID' });
    expect(r.message).toMatch(/altered/);
  });

  it('refuses an expired link, and audits it', async () => {
    const secret = await loadLinkSecret({ dataDir: stack.config.dataDir });
    const expired = signDownloadToken({ orderId, partnerId: a.partnerId, format: 'zip', expiresAt: Math.floor(Date.now() / 1000) - 1 }, secret);
    const r = await refusal(new URL(`/downloads/${expired}`, stack.url).toString(), a.key);
    expect(r).toMatchObject({ status: 403, reason: 'LINK_EXPIRED' });
    const reasons = (await auditEntries('download.refused')).filter((e) => e.actor === `partner:${a.partnerId}`).map((e) => e.detail.reason);
    expect(reasons).toEqual(['LINK_INVALID', 'LINK_EXPIRED']);
  });

  it('refuses a request without an API key', async () => {
    expect(await refusal(url, null)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', reason: 'NO_API_KEY' });
  });

  it('refuses a key without the downloads scope, and audits it', async () => {
    const { issueApiKey } = await gqlOk(stack.url, 'mutation { issueApiKey(name: "read only", scopes: [ORDERS_READ]) { secret } }', {}, a.accountKey);
    expect(await refusal(url, issueApiKey.secret)).toMatchObject({ status: 403, code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
    const reasons = (await auditEntries('download.refused')).filter((e) => e.actor === `partner:${a.partnerId}`).map((e) => e.detail.reason);
    expect(reasons[reasons.length - 1]).toBe('MISSING_SCOPE');
  });

  it("gives no link for another partner's order or an unknown one", async () => {
    const other = await gql(stack.url, 'mutation($o: ID!) { createDownloadLink(orderId: $o, format: ZIP) { url } }', { o: orderId }, b.key);
    expect(other.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const unknown = await gql(stack.url, 'mutation($o: ID!) { createDownloadLink(orderId: $o, format: TAR) { url } }', { o: '00000000-0000-4000-8000-000000000000' }, a.key);
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('audits every served download with its range', async () => {
    const served = (await auditEntries('download.serve')).filter((e) => e.targetId === orderId);
    expect(served.length).toBeGreaterThanOrEqual(8);
    expect(served.map((e) => e.detail.status)).toEqual(expect.arrayContaining([200, 206]));
  });
});
