import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { verifyCertificateCommand } from '../../src/cli/verify-certificate';
import { CohortCertificateInput, ImagePrivacyRecord } from '../../src/domain/cohort';
import { InputError } from '../../src/domain/input-error';
import { encodeGrayPng } from '../../src/generation/png';
import type { CertificateModel } from '../../src/domain/model';
import { buildCertificateRecord, signCertificate } from '../../src/privacy/certificate';
import { parseCertificateFile, toCertificateFile } from '../../src/privacy/certificate-file';
import { KeyRing } from '../../src/privacy/keys';
import { verifyCertificate, verifyCertificateFile } from '../../src/privacy/verify';


const model: CertificateModel = {
  modelId: 'tiny-test',
  name: 'Tiny',
  bundleHash: 'ab'.repeat(32),
  threshold: 0.2,
  trainNnQuantiles: [
    { q: 0.01, d: 0.3 },
    { q: 0.5, d: 0.6 },
    { q: 0.99, d: 0.9 },
  ],
  holdoutNnQuantiles: [
    { q: 0.01, d: 0.35 },
    { q: 0.5, d: 0.65 },
    { q: 0.99, d: 0.95 },
  ],
  dcrSubsets: { count: 32, size: 10 },
};

function png(index: number): Buffer {
  return encodeGrayPng({ width: 8, height: 8, pixels: new Uint8Array(64).fill(index * 17) }, { 'SynthBUS-ImageIndex': String(index) });
}

function image(index: number, share: number, nnDistance = 0.5 + index / 100): ImagePrivacyRecord {
  return {
    index,
    birads: 3,
    seed: String(1000 + index),
    attempt: index === 2 ? 1 : 0,
    sha256: createHash('sha256').update(png(index)).digest('hex'),
    nnDistance,
    threshold: 0.2,
    passed: true,
    rejections: index === 2 ? [{ attempt: 0, seed: '99', nnDistance: 0.1 }] : [],
    dcr: { holdoutNnDistance: 0.6, trainCloserShare: share },
  };
}

function input(images: ImagePrivacyRecord[]): CohortCertificateInput {
  return {
    params: { modelId: 'tiny-test', orderId: 'order-1', certificateId: 'cert-1', orderSeed: 7, sampler: 'DDIM' as const, steps: 10, guidance: 2 },
    images,
    order: { mix: { 3: 1 }, size: images.length },
    createdAt: '2026-11-26T10:00:00.000Z',
    completedAt: '2026-11-26T10:05:00.000Z',
  };
}

let dir: string;
let ring: KeyRing;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synthbus-cert-'));
  ring = KeyRing.open({ dataDir: join(dir, 'data') });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function sign(images: ImagePrivacyRecord[]) {
  return signCertificate(buildCertificateRecord(input(images), model, ring.current.keyId, '2026-11-26T10:06:00.000Z'), ring.current);
}

describe('certificate record', () => {
  it('counts generated / rejected / delivered and states distances against the calibration', () => {
    const signed = sign([image(0, 0.5), image(1, 0.25), image(2, 0.75)]);
    const record = JSON.parse(signed.payload);
    expect(record.counts).toEqual({ generated: 4, rejected: 1, delivered: 3 });
    expect(record.nnDistances.delivered.map((q: { q: number }) => q.q)).toEqual([0.01, 0.5, 0.99]);
    expect(record.nnDistances.delivered[1].d).toBeCloseTo(0.51, 12);
    expect(record.nnDistances.trainingToTraining).toEqual(model.trainNnQuantiles);
    expect(record.dcr).toMatchObject({ share: 0.5, n: 3, verdict: 'pass', subsets: 32, subsetSize: 10 });
    expect(record.model).toEqual({ modelId: 'tiny-test', name: 'Tiny', bundleHash: model.bundleHash });
    expect(record.keyId).toBe(ring.current.keyId);
    expect(signed.passed).toBe(true);
  });

  it('fails a cohort whose DCR share is significantly above one half, and says why', () => {
    const signed = sign(Array.from({ length: 40 }, (_, i) => image(i, 0.9)));
    expect(signed.passed).toBe(false);
    expect(signed.reason).toMatch(/distance-to-closest-record share 0\.900 .* significantly above 0\.5/);
  });

  it('refuses images that did not pass, duplicates, and an empty cohort, naming the field', () => {
    expect(() => sign([image(0, 0.5, 0.1)])).toThrow(InputError);
    expect(() => sign([image(0, 0.5, 0.1)])).toThrow(/image 0 did not pass/);
    expect(() => sign([image(1, 0.5), image(1, 0.5)])).toThrow(/index 1 appears twice/);
    expect(() => sign([])).toThrow(/at least one/);
  });
});

describe('verification', () => {
  it('verifies a signed certificate and detects any change to it', () => {
    const signed = sign([image(0, 0.5), image(1, 0.5)]);
    const keys = ring.publicKeys();
    expect(verifyCertificate(signed, keys)).toMatchObject({ ok: true, problems: [] });
    const tampered = { ...signed, payload: signed.payload.replace('"nnDistance":0.5,', '"nnDistance":0.55,') };
    expect(tampered.payload).not.toBe(signed.payload);
    expect(verifyCertificate(tampered, keys).problems.join()).toMatch(/signature does not match/);
  });

  it('still verifies certificates signed before a key rotation', () => {
    const before = sign([image(0, 0.5)]);
    ring.rotate();
    const after = sign([image(0, 0.5)]);
    expect(after.keyId).not.toBe(before.keyId);
    expect(verifyCertificate(before, ring.publicKeys()).ok).toBe(true);
    expect(verifyCertificate(after, ring.publicKeys()).ok).toBe(true);
  });

  it('refuses a signature by a key that is not trusted, or a key listed under a false id', () => {
    const signed = sign([image(0, 0.5)]);
    const stranger = KeyRing.open({ dataDir: join(dir, 'other') });
    expect(verifyCertificate(signed, stranger.publicKeys()).problems.join()).toMatch(/not among the 1 trusted/);
    const forged = [{ keyId: signed.keyId, publicKeyPem: stranger.current.publicKeyPem }];
    expect(verifyCertificate(signed, forged).problems.join()).toMatch(/actually has key id/);
  });
});

describe('certificate.json and the verify-certificate command', () => {
  function writeArchive(images: ImagePrivacyRecord[]): string {
    const signed = sign(images);
    const file = join(dir, 'cohort', 'certificate.json');
    mkdirSync(join(dir, 'cohort', 'images', '3'), { recursive: true });
    writeFileSync(file, toCertificateFile(signed, ring.publicKeys()));
    for (const img of images) writeFileSync(join(dir, 'cohort', 'images', '3', `${String(img.index).padStart(6, '0')}.png`), png(img.index));
    return file;
  }

  async function run(argv: string[]): Promise<{ code: number; text: string }> {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const code = await verifyCertificateCommand(argv, out);
    return { code, text };
  }

  it('the file is readable JSON whose record re-canonicalizes to the signed payload', () => {
    const signed = sign([image(0, 0.5)]);
    const file = parseCertificateFile(toCertificateFile(signed, ring.publicKeys()));
    expect(file.keyId).toBe(signed.keyId);
    expect(file.publicKeys.map((k) => k.keyId)).toContain(signed.keyId);
    expect(verifyCertificate(file, ring.publicKeys()).ok).toBe(true);
  });

  it('exit 0 for an intact cohort, with or without trusted keys and images', async () => {
    const file = writeArchive([image(0, 0.5), image(1, 0.5), image(2, 0.5)]);
    const keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify({ keys: ring.publicKeys() }));
    const plain = await run([file]);
    expect(plain.code).toBe(0);
    expect(plain.text).toMatch(/note: checked against the public key embedded/);
    const full = await run([file, '--images', join(dir, 'cohort', 'images'), '--keys', keysFile]);
    expect(full).toEqual({ code: 0, text: expect.stringMatching(/^OK: certificate cert-1 .* 3 images; all 3 image files match/) });
  });

  it('exit 1 naming the file when an image was altered, is missing, or is extra', async () => {
    const file = writeArchive([image(0, 0.5), image(1, 0.5), image(2, 0.5)]);
    const images = join(dir, 'cohort', 'images');
    writeFileSync(join(images, '3', '000001.png'), png(7).subarray(0, 40));
    rmSync(join(images, '3', '000002.png'));
    writeFileSync(join(images, '3', 'stray.png'), png(9));
    const result = await verifyCertificateFile(file, { imagesDir: images });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        'images/3/000001.png: not an image this certificate lists',
        'images/3/stray.png: not an image this certificate lists',
        expect.stringMatching(/^image 1: no file under images has the certified sha256/),
        expect.stringMatching(/^image 2: no file under images has the certified sha256/),
      ]),
    );
    const { code, text } = await run([file, '--images', images]);
    expect(code).toBe(1);
    expect(text).toMatch(/FAILED/);
  });

  it('names an altered image by the index its provenance chunk carries', async () => {
    const file = writeArchive([image(0, 0.5), image(1, 0.5)]);
    const altered = encodeGrayPng({ width: 8, height: 8, pixels: new Uint8Array(64).fill(3) }, { 'SynthBUS-ImageIndex': '1' });
    writeFileSync(join(dir, 'cohort', 'images', '3', '000001.png'), altered);
    const result = await verifyCertificateFile(file, { imagesDir: join(dir, 'cohort', 'images') });
    expect(result.problems).toContain('images/3/000001.png: sha256 differs from the certificate (image 1)');
  });

  it('names an image whose provenance says another bundle made it (issue 10: one bundle per cohort)', async () => {
    const made = (index: number, bundle: string) =>
      encodeGrayPng({ width: 8, height: 8, pixels: new Uint8Array(64).fill(40 + index) }, { 'SynthBUS-ImageIndex': String(index), 'SynthBUS-BundleSha256': bundle });
    const files = [made(0, model.bundleHash), made(1, 'cd'.repeat(32))];
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const file = writeArchive([{ ...image(0, 0.5), sha256: sha(files[0]) }, { ...image(1, 0.5), sha256: sha(files[1]) }]);
    files.forEach((b, i) => writeFileSync(join(dir, 'cohort', 'images', '3', `00000${i}.png`), b));
    const result = await verifyCertificateFile(file, { imagesDir: join(dir, 'cohort', 'images') });
    expect(result.problems).toEqual([`images/3/000001.png: made by bundle ${'cd'.repeat(32)}, but the certificate names bundle ${model.bundleHash}`]);
  });

  it('exit 1 when certificate.json itself was edited', async () => {
    const file = writeArchive([image(0, 0.5)]);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"orderId": "order-1"', '"orderId": "order-2"'));
    const { code, text: out } = await run([file]);
    expect(code).toBe(1);
    expect(out).toMatch(/certificate\.json: the Ed25519 signature does not match/);
  });

  it('runs standalone as a compiled command with the same exit codes', () => {
    // dist/ is compiled by the jest global setup (tsc -p tsconfig.build.json).
    const cli = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'verify-certificate.js');
    const file = writeArchive([image(0, 0.5), image(1, 0.5)]);
    const ok = spawnSync(process.execPath, [cli, file, '--images', join(dir, 'cohort', 'images')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^note: .*\nOK: certificate cert-1/);
    writeFileSync(join(dir, 'cohort', 'images', '3', '000001.png'), png(5));
    const bad = spawnSync(process.execPath, [cli, file, '--images', join(dir, 'cohort', 'images')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/images\/3\/000001\.png: not an image this certificate lists/);
    expect(spawnSync(process.execPath, [cli], { encoding: 'utf8' }).status).toBe(2);
  });

  it('exit 1 for a failed cohort; exit 2 for usage errors', async () => {
    const file = writeArchive(Array.from({ length: 40 }, (_, i) => image(i, 0.9)));
    const failed = await run([file]);
    expect(failed.code).toBe(1);
    expect(failed.text).toMatch(/records that the cohort failed: distance-to-closest-record/);
    expect((await run([])).code).toBe(2);
    expect((await run([file, '--images'])).text).toMatch(/--images needs a value/);
    expect((await run([file, '--bogus'])).code).toBe(2);
    expect((await run([join(dir, 'nope.json')])).code).toBe(1);
  });
});
