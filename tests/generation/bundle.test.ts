/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { defaultBundleDirs, FIXTURE_BUNDLE_DIR, loadBundle, readBundle } from '../../src/generation/bundle';
import { createEngine } from '../../src/generation/engine';
import { copyBundle, readManifest, rewriteManifest } from './helpers/bundle-copy';
import { TEST_BUNDLE } from './helpers/test-bundle';

const made: string[] = [];
function variant(edit?: (dir: string) => void): string {
  const dir = copyBundle(TEST_BUNDLE);
  made.push(dir);
  edit?.(dir);
  return dir;
}
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('readBundle on the test bundle', () => {
  it('reads the manifest, hashes it, and loads the reference sets', () => {
    const b = readBundle(TEST_BUNDLE);
    const m = b.manifest;
    expect(b.bundleHash).toBe(createHash('sha256').update(readFileSync(join(TEST_BUNDLE, 'manifest.json'))).digest('hex'));
    expect(b.summary).toMatchObject({ modelId: m.modelId, fixture: true, height: m.image.height, defaultSteps: m.sampling.defaultSteps });
    expect(b.reference.count).toBe(m.privacy.reference.count);
    expect(b.reference.dim).toBe(m.privacy.embeddingDim);
    expect(b.holdout.count).toBe(m.privacy.holdout.count);
  });
});

describe('bundle refusals name what is wrong', () => {
  it('a missing file', () => {
    const dir = variant((d) => unlinkSync(join(d, 'holdout.f32')));
    expect(() => readBundle(dir)).toThrow(/holdout\.f32: listed in the manifest but missing/);
  });

  it('a file whose sha256 differs from the manifest', () => {
    const dir = variant((d) => {
      const path = join(d, 'reference.f32');
      const bytes = readFileSync(path);
      bytes[7] ^= 1;
      writeFileSync(path, bytes);
    });
    expect(() => readBundle(dir)).toThrow(/reference\.f32: sha256 differs from the manifest/);
  });

  it('a file of another size', () => {
    const dir = variant((d) => writeFileSync(join(d, 'holdout-ids.txt'), 'x\n', { flag: 'a' }));
    expect(() => readBundle(dir)).toThrow(/holdout-ids\.txt: \d+ bytes, the manifest says \d+/);
  });

  it('a wrong tensor shape', () => {
    const dir = variant((d) => rewriteManifest(d, (m) => (m.graphs.denoiser.inputs[0].shape = [-1, 3, 8, 8])));
    expect(() => readBundle(dir)).toThrow(/graphs\.denoiser\.inputs\[0\]\.shape is \[-1,3,8,8\], expected \[-1,4,8,8\]/);
  });

  it('an unknown value', () => {
    const dir = variant((d) => rewriteManifest(d, (m) => ((m.schedule as { predictionType: string }).predictionType = 'sample')));
    expect(() => readBundle(dir)).toThrow(/schedule\.predictionType must be one of "epsilon", "v_prediction"/);
  });

  it('an unknown field, a missing field and another schema version', () => {
    const extra = variant((d) => rewriteManifest(d, (m) => Object.assign(m.latent, { colour: 1 })));
    expect(() => readBundle(extra)).toThrow(/latent\.colour is not a known field/);
    const missing = variant((d) => rewriteManifest(d, (m) => delete (m as Partial<typeof m>).nullLabel));
    expect(() => readBundle(missing)).toThrow(/nullLabel is missing/);
    const v2 = variant((d) => rewriteManifest(d, (m) => ((m as { schemaVersion: number }).schemaVersion = 2)));
    expect(() => readBundle(v2)).toThrow(/schemaVersion 2 is not supported/);
  });

  it('cross-field rules: null label, step range, schedule length', () => {
    const nul = variant((d) => rewriteManifest(d, (m) => (m.nullLabel = m.classes[0].index)));
    expect(() => readBundle(nul)).toThrow(/nullLabel \d+ is also a class index/);
    const steps = variant((d) => rewriteManifest(d, (m) => (m.sampling.defaultSteps = m.sampling.maxSteps + 1)));
    expect(() => readBundle(steps)).toThrow(/sampling\.defaultSteps/);
    const sched = variant((d) => rewriteManifest(d, (m) => m.schedule.alphasCumprod.pop()));
    expect(() => readBundle(sched)).toThrow(/schedule\.alphasCumprod has \d+ values, expected trainTimesteps/);
  });

  it('a reference file of the wrong length, and an ids file of the wrong count', () => {
    const ref = variant((d) => {
      truncateSync(join(d, 'reference.f32'), readFileSync(join(d, 'reference.f32')).length - 4);
      rewriteManifest(d);
    });
    expect(() => readBundle(ref)).toThrow(/reference\.f32: privacy\.reference file has \d+ bytes, expected count \d+ x embeddingDim \d+ x 4/);
    const ids = variant((d) => {
      writeFileSync(join(d, 'holdout-ids.txt'), 'bus_0001-l\n');
      rewriteManifest(d);
    });
    expect(() => readBundle(ids)).toThrow(/holdout-ids\.txt: privacy\.holdout\.idsFile has 1 ids, expected count/);
  });

  it('a truncated ONNX file (with a matching hash) is refused when the graph is opened', async () => {
    const dir = variant((d) => {
      const path = join(d, 'denoiser.onnx');
      truncateSync(path, Math.floor(readFileSync(path).length / 2));
      rewriteManifest(d);
    });
    await expect(loadBundle(dir, 'cpu')).rejects.toThrow(/denoiser\.onnx: graph denoiser cannot be loaded/);
  });

  it('several bundles load side by side, each under its own model id', async () => {
    const other = variant((d) => rewriteManifest(d, (m) => (m.modelId = 'tiny-second-copy')));
    const engine = await createEngine({ bundleDirs: [TEST_BUNDLE, other], log: () => undefined });
    try {
      const ids = engine.models().map((m) => m.modelId);
      expect(ids).toEqual([readManifest(TEST_BUNDLE).modelId, 'tiny-second-copy']);
      const [a, b] = engine.models();
      expect(a.bundleHash).not.toBe(b.bundleHash);
      const params = { modelId: 'tiny-second-copy', orderId: 'o', certificateId: 'c', orderSeed: 1, sampler: 'DDIM' as const, steps: 2, guidance: b.defaultGuidance };
      const [img] = await engine.generate(params, [{ index: 0, birads: b.classes[0].birads }]);
      expect(img.record.threshold).toBe(readManifest(other).privacy.threshold);
    } finally {
      await engine.close();
    }
  });

  it('two bundles with the same model id', async () => {
    await expect(createEngine({ bundleDirs: [TEST_BUNDLE, variant()], log: () => undefined })).rejects.toThrow(/is already loaded from another folder/);
  });
});

describe('defaultBundleDirs', () => {
  it('prefers real bundles under models/, else the fixture with a loud warning', () => {
    const root = mkdtempSync(join(tmpdir(), 'synthbus-root-'));
    made.push(root);
    const lines: string[] = [];
    expect(defaultBundleDirs((l) => lines.push(l), root)).toEqual([FIXTURE_BUNDLE_DIR]);
    expect(lines.join()).toMatch(/WARNING: .*TINY TEST FIXTURE/);
    mkdirSync(join(root, 'models', 'real-v1'), { recursive: true });
    writeFileSync(join(root, 'models', 'real-v1', 'manifest.json'), '{}');
    expect(defaultBundleDirs(() => undefined, root)).toEqual([join(root, 'models', 'real-v1')]);
    expect(readManifest(FIXTURE_BUNDLE_DIR).provenance.fixture).toBe(true);
  });
});

describe('the shipped default', () => {
  it('is the real model trained on a GPU, whole (every file matches its manifest hash)', () => {
    const lines: string[] = [];
    const dirs = defaultBundleDirs((l) => lines.push(l));
    expect(lines).toEqual([]); // no fixture warning
    expect(dirs).toHaveLength(1);
    const { manifest } = readBundle(dirs[0]);
    expect(manifest.provenance.fixture).toBe(false);
    expect(manifest.provenance.trainedOn).toMatch(/NVIDIA/);
    expect(manifest.image).toEqual({ height: 256, width: 256, channels: 1 });
    expect(manifest.provenance.dataset).toMatch(/^BUS-BRA/);
  });
});
