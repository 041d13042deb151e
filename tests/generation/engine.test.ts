/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CohortParams, DeliveredImage } from '../../src/domain/cohort';
import { InputError } from '../../src/domain/input-error';
import { createEngine, Engine } from '../../src/generation/engine';
import { decodeGrayPng } from '../../src/privacy/png-read';
import { deriveImageSeed } from '../../src/generation/seeds';
import { toCertificateFile } from '../../src/privacy/certificate-file';
import { Certifier } from '../../src/privacy/certifier';
import { verifyCertificate, verifyCertificateFile } from '../../src/privacy/verify';
import { copyBundle, readManifest, rewriteManifest } from './helpers/bundle-copy';
import { TEST_BUNDLE } from './helpers/test-bundle';

const temp: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
}

let engine: Engine;
let certifier: Certifier;
let params: CohortParams;
let birads: number[];
const logs: string[] = [];

beforeAll(async () => {
  engine = await createEngine({ bundleDirs: [TEST_BUNDLE], log: (l) => logs.push(l) });
  certifier = Certifier.open({ dataDir: tempDir('synthbus-engine-') }, engine);
  const m = engine.models()[0];
  birads = m.classes.map((c) => c.birads);
  // Few steps keep the suite fast; the parity test covers the full 10-step trajectory.
  params = { modelId: m.modelId, orderId: 'order-ü-1', certificateId: 'cert-1', orderSeed: 20261126, sampler: 'DDIM' as const, steps: Math.max(m.minSteps, 4), guidance: m.defaultGuidance };
});
afterAll(async () => {
  await engine.close();
  temp.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const items = (indices: number[]) => indices.map((index) => ({ index, birads: birads[index % birads.length] }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('engine', () => {
  it('logs the provider that runs and describes the loaded model', () => {
    expect(engine.provider).toBe('cpu');
    expect(logs).toContain('execution provider: cpu');
    const [m] = engine.models();
    expect(m.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    expect(m.modelId).toBe(readManifest(TEST_BUNDLE).modelId);
  });

  it('makes 8-bit grayscale PNGs that carry their provenance and match their records', async () => {
    const out = await engine.generate(params, items([0, 1, 2]));
    expect(out.map((d) => d.record.index)).toEqual([0, 1, 2]);
    const [m] = engine.models();
    for (const { png, record } of out) {
      const decoded = decodeGrayPng(png);
      expect([decoded.width, decoded.height]).toEqual([m.width, m.height]);
      expect(decoded.text).toMatchObject({
        'SynthBUS-Synthetic': 'true',
        'SynthBUS-ModelId': m.modelId,
        'SynthBUS-BundleSha256': m.bundleHash,
        'SynthBUS-OrderId': 'order-ü-1',
        'SynthBUS-ImageIndex': String(record.index),
        'SynthBUS-Seed': record.seed,
        'SynthBUS-CertificateId': 'cert-1',
      });
      expect(record.sha256).toBe(sha(png));
      expect(record.seed).toBe(deriveImageSeed(params.orderSeed, record.index, record.attempt).toString());
      expect(record.passed).toBe(true);
      expect(record.nnDistance).toBeGreaterThanOrEqual(record.threshold);
      expect(record.dcr.trainCloserShare).toBeGreaterThanOrEqual(0);
      // Not a blank image: the sampler produced structure.
      expect(new Set(decoded.pixels).size).toBeGreaterThan(8);
    }
  });

  it('is deterministic, and an image does not depend on which images share its batch', async () => {
    const all = await engine.generate(params, items([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]));
    const again = await engine.generate(params, items([17, 3, 9]));
    const alone = await engine.generate(params, items([9]));
    const byIndex = new Map(all.map((d) => [d.record.index, d]));
    for (const d of [...again, ...alone]) {
      expect(d.png.equals(byIndex.get(d.record.index)!.png)).toBe(true);
      expect(d.record).toEqual(byIndex.get(d.record.index)!.record);
    }
    expect(new Set(all.map((d) => d.record.sha256)).size).toBe(all.length);
  });

  it('serializes concurrent runs without mixing their results', async () => {
    const [a, b] = await Promise.all([engine.generate(params, items([1, 2])), engine.generate({ ...params, orderSeed: 5 }, items([1, 2]))]);
    const a2 = await engine.generate(params, items([1, 2]));
    expect(a.map((d) => d.record.sha256)).toEqual(a2.map((d) => d.record.sha256));
    expect(b[0].record.sha256).not.toBe(a[0].record.sha256);
  });

  it('samples with the order\'s sampler: DPM-Solver++ images differ from DDIM\'s and say so in their provenance', async () => {
    const [ddim] = await engine.generate(params, items([0]));
    const [dpm] = await engine.generate({ ...params, sampler: 'DPM_SOLVER_PP' }, items([0]));
    expect(decodeGrayPng(dpm.png).pixels).not.toEqual(decodeGrayPng(ddim.png).pixels);
    expect(decodeGrayPng(dpm.png).text['SynthBUS-Sampler']).toBe('DPM_SOLVER_PP');
    // DDIM images carry no sampler chunk: their bytes are what they were before samplers were a choice.
    expect(decodeGrayPng(ddim.png).text['SynthBUS-Sampler']).toBeUndefined();
    await expect(engine.generate({ ...params, sampler: 'EULER' as never }, items([0]))).rejects.toMatchObject({ field: 'sampler' });
  });

  it('refuses bad requests before any work, naming the field', async () => {
    const [m] = engine.models();
    const bad: [() => unknown, string][] = [
      [() => engine.validate('nope', [birads[0]], params.steps, params.guidance), 'modelId'],
      [() => engine.validate(m.modelId, [6], params.steps, params.guidance), 'birads'],
      [() => engine.validate(m.modelId, [birads[0]], m.maxSteps + 1, params.guidance), 'steps'],
      [() => engine.validate(m.modelId, [birads[0]], 2.5, params.guidance), 'steps'],
      [() => engine.validate(m.modelId, [birads[0]], params.steps, m.maxGuidance + 0.5), 'guidance'],
    ];
    for (const [call, field] of bad) {
      expect(call).toThrow(InputError);
      try {
        call();
      } catch (e) {
        expect((e as InputError).field).toBe(field);
      }
    }
    await expect(engine.generate({ ...params, orderSeed: -1 }, items([0]))).rejects.toMatchObject({ field: 'orderSeed' });
    await expect(engine.generate(params, [{ index: 0, birads: 6 }])).rejects.toMatchObject({ field: 'birads' });
    await expect(engine.generate(params, [...items([3]), ...items([3])])).rejects.toMatchObject({ field: 'index' });
    await expect(engine.generate({ ...params, guidance: m.minGuidance - 0.5 }, items([0]))).rejects.toThrow(/guidance must be from/);
  });

  it('signs a certificate that verifies, also from certificate.json with the images', async () => {
    const delivered = await engine.generate(params, items([0, 1, 2, 3]));
    const signed = certifier.certify({ params, images: delivered.map((d) => d.record), order: { size: 4 }, createdAt: '2026-11-26T10:00:00Z', completedAt: '2026-11-26T10:01:00Z' });
    expect(verifyCertificate(signed, certifier.publicKeys())).toMatchObject({ ok: true });
    const dir = tempDir('synthbus-cohort-');
    writeFileSync(join(dir, 'certificate.json'), toCertificateFile(signed, certifier.publicKeys()));
    mkdirSync(join(dir, 'images'));
    delivered.forEach((d: DeliveredImage) => writeFileSync(join(dir, 'images', `${d.record.index}.png`), d.png));
    const keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify(certifier.publicKeys()));
    const result = await verifyCertificateFile(join(dir, 'certificate.json'), { imagesDir: join(dir, 'images'), publicKeysFile: keysFile });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(signed.passed);
  });
});

describe('privacy check', () => {
  it('resamples images closer than the threshold with the next attempt seed, and counts them', async () => {
    // Raise the threshold to the median first-attempt distance so about half the images are rejected.
    const first = await engine.generate(params, items([0, 1, 2, 3, 4, 5, 6, 7]));
    const distances = first.map((d) => d.record.nnDistance).sort((a, b) => a - b);
    const threshold = (distances[3] + distances[4]) / 2;
    const dir = copyBundle(TEST_BUNDLE);
    temp.push(dir);
    rewriteManifest(dir, (m) => (m.privacy.threshold = threshold));
    const strict = await createEngine({ bundleDirs: [dir], log: () => undefined, maxAttempts: 50 });
    try {
      const rejected: { index: number; attempt: number; nnDistance: number }[] = [];
      const out = await strict.generate(params, items([0, 1, 2, 3, 4, 5, 6, 7]), (r) => rejected.push(r));
      const wasClose = first.filter((d) => d.record.nnDistance < threshold).map((d) => d.record.index);
      expect(wasClose.length).toBe(4);
      expect(rejected.filter((r) => r.attempt === 0).map((r) => r.index).sort()).toEqual(wasClose.sort());
      for (const d of out) {
        expect(d.record.nnDistance).toBeGreaterThanOrEqual(threshold);
        expect(d.record.rejections.length).toBe(d.record.attempt);
        expect(d.record.seed).toBe(deriveImageSeed(params.orderSeed, d.record.index, d.record.attempt).toString());
        d.record.rejections.forEach((r, i) => {
          expect(r.attempt).toBe(i);
          expect(r.nnDistance).toBeLessThan(threshold);
        });
        // An image that passed at attempt 0 has the same pixels as under the normal threshold (the
        // PNG bytes differ: they name the variant bundle's hash).
        if (d.record.attempt === 0) expect(decodeGrayPng(d.png).pixels).toEqual(decodeGrayPng(first[d.record.index].png).pixels);
      }
      const signed = Certifier.open({ dataDir: tempDir('synthbus-strict-') }, strict).certify({ params, images: out.map((d) => d.record), order: {}, createdAt: 'a', completedAt: 'b' });
      const counts = JSON.parse(signed.payload).counts;
      expect(counts).toEqual({ generated: 8 + rejected.length, rejected: rejected.length, delivered: 8 });
    } finally {
      await strict.close();
    }
  });

  it('a run whose image cannot pass delivers nothing and leaves the engine usable', async () => {
    const dir = copyBundle(TEST_BUNDLE);
    temp.push(dir);
    rewriteManifest(dir, (m) => (m.privacy.threshold = 2));
    const hopeless = await createEngine({ bundleDirs: [dir], log: () => undefined, maxAttempts: 2 });
    try {
      let heard = 0;
      await expect(hopeless.generate(params, items([0, 1]), () => heard++)).rejects.toThrow(/failed the privacy check 2 times .* no image of this run is delivered/);
      expect(heard).toBeGreaterThanOrEqual(2);
    } finally {
      await hopeless.close();
    }
    expect((await engine.generate(params, items([0]))).length).toBe(1);
  });
});

describe('providers and keys', () => {
  it('falls back to cpu with a warning that says why when the requested provider cannot load (onnxruntime\'s "Failed to load … providers_shared.so" on stderr is expected here)', async () => {
    const lines: string[] = [];
    const e = await createEngine({ bundleDirs: [TEST_BUNDLE], provider: 'cuda', log: (l) => lines.push(l) });
    await e.close();
    expect(e.provider).toBe('cpu');
    expect(lines.find((l) => l.startsWith('warning: execution provider cuda could not load ('))).toMatch(/falling back to cpu/);
  });

  it('keeps its signing key across restarts; after a rotation old certificates still verify', async () => {
    const dataDir = tempDir('synthbus-keys-');
    const delivered = await engine.generate(params, items([0]));
    const input = { params, images: delivered.map((d) => d.record), order: {}, createdAt: 'a', completedAt: 'b' };
    const old = Certifier.open({ dataDir }, engine).certify(input);
    const reopened = Certifier.open({ dataDir }, engine);
    expect(reopened.publicKeys()[0].keyId).toBe(old.keyId);
    const fresh = reopened.rotateSigningKey();
    const current = reopened.certify(input);
    expect(current.keyId).toBe(fresh);
    expect(reopened.publicKeys().map((k) => k.keyId)).toEqual([fresh, old.keyId]);
    expect(verifyCertificate(old, reopened.publicKeys()).ok).toBe(true);
  });
});
