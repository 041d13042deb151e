import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ArchivedImage, cohortEntries, ImageReader } from '../../src/delivery/cohort-entries';
import { datasetCard, DatasetCardInput } from '../../src/delivery/dataset-card';
import { imagePath, metadataCsv } from '../../src/delivery/layout';
import { tarPlan } from '../../src/delivery/tar';
import { run, writeWhole } from './archive-test-util';

const cardInput: DatasetCardInput = {
  orderId: 'ord-1',
  certificateId: 'cert-1',
  model: { modelId: 'coldit-test', name: 'CoLDiT test', bundleHash: 'ab'.repeat(32), fixture: false },
  counts: [
    { birads: 3, count: 2 },
    { birads: 5, count: 1 },
  ],
  sampler: 'DDIM',
  steps: 20,
  guidance: 2.5,
  orderSeed: 42,
  rejections: 1,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  finishedAt: new Date('2026-01-01T00:05:00Z'),
  expiresAt: new Date('2026-04-01T00:05:00Z'),
  trainingData: { dataset: 'BUS-BRA', licence: 'permissive, citation required', citation: 'Gómez-Flores et al., BUS-BRA, Medical Physics 2023' },
};

describe('cohort layout', () => {
  let dir: string;
  let images: ArchivedImage[];
  const paths = new Map<string, string>();
  const store: ImageReader = { stream: (sha, range) => createReadStream(paths.get(sha) as string, range) };

  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'synthbus-layout-'));
    // Three real 8-bit grayscale PNGs, made by Pillow.
    run('python3', ['-c', `from PIL import Image
for i in range(3): Image.new("L", (16, 16), 40 * i).save("${dir}/%d.png" % i)`]);
    images = [];
    const birads = [5, 3, 3];
    for (let i = 0; i < 3; i++) {
      const path = join(dir, `${i}.png`);
      const sha = createHash('sha256').update(await fs.readFile(path)).digest('hex');
      paths.set(sha, path);
      // Rows written before the archive facts were recorded: delivery reads the bytes.
      images.push({ index: i, birads: birads[i], seed: String(1000n + BigInt(i) * 2n ** 60n), nnDistance: 0.4 + i / 10, sha256: sha, bytes: null, crc32: null });
    }
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('names images by class and zero-padded index, wider when the cohort needs it', () => {
    expect(imagePath({ ...images[0], index: 12, birads: 4 }, 400)).toBe('images/4/000012.png');
    expect(imagePath({ ...images[0], index: 12, birads: 4 }, 2_000_000)).toBe('images/4/0000012.png');
  });

  it('writes metadata.csv with exactly the documented columns, in ImageFolder order', () => {
    const lines = metadataCsv(images, 3).split('\r\n');
    expect(lines[0]).toBe('file_name,birads,seed,nn_distance,sha256');
    expect(lines.slice(1, 4).map((l) => l.split(',')[0])).toEqual(['images/3/000001.png', 'images/3/000002.png', 'images/5/000000.png']);
    expect(lines[3]).toBe(`images/5/000000.png,5,1000,0.4,${images[0].sha256}`);
  });

  it('unpacks into a folder that ImageFolder and HF imagefolder rules accept, with every hash right', async () => {
    const entries = await cohortEntries(
      { size: 3, images, certificateJson: '{"signature":"x"}\n', modelCard: '# Model card\n', datasetCard: datasetCard(cardInput) },
      store,
    );
    const plan = tarPlan(entries, cardInput.finishedAt);
    await writeWhole(plan, join(dir, 'c.tar'));
    const out = join(dir, 'out');
    await fs.mkdir(out);
    run('tar', ['-xf', join(dir, 'c.tar'), '-C', out]);
    const summary = JSON.parse(run('python3', [join(__dirname, 'check_layout.py'), out]));
    expect(summary).toEqual({ columns: ['file_name', 'birads', 'seed', 'nn_distance', 'sha256'], classes: ['3', '5'], rows: 3, first: 'images/3/000001.png' });
    expect((await fs.readdir(out)).sort()).toEqual(['DATASET_CARD.md', 'MODEL_CARD.md', 'certificate.json', 'images', 'metadata.csv']);
  });

  it('takes each image\'s length and CRC-32 from its row when recorded, without reading the store', async () => {
    const recorded = await Promise.all(
      images.map(async (im) => {
        const bytes = await fs.readFile(paths.get(im.sha256) as string);
        return { ...im, bytes: bytes.length, crc32: crc32(bytes) };
      }),
    );
    const unread: ImageReader = { stream: () => { throw new Error('the store was read'); } };
    const entries = await cohortEntries({ size: 3, images: recorded, certificateJson: '{}', modelCard: '', datasetCard: '' }, unread);
    const fromStore = await cohortEntries({ size: 3, images, certificateJson: '{}', modelCard: '', datasetCard: '' }, store);
    expect(entries.map((e) => [e.name, e.size, e.crc32])).toEqual(fromStore.map((e) => [e.name, e.size, e.crc32]));
  });

  it('catches a wrong hash in the checker (so the check above can fail)', async () => {
    const out = join(dir, 'out');
    await fs.writeFile(join(out, 'images/3/000001.png'), await fs.readFile(join(dir, '0.png')));
    expect(() => run('python3', [join(__dirname, 'check_layout.py'), out])).toThrow(/sha256 mismatch images\/3\/000001.png/);
  });

  it('has a dataset card that says the images are synthetic and carries the training licence and citation', () => {
    const card = datasetCard(cardInput);
    expect(card).toMatch(/\*\*Every image in this dataset is synthetic\.\*\*/);
    expect(card).toContain('| 3 | 2 | `images/3/` |');
    expect(card).toContain('Licence of the training data: permissive, citation required');
    expect(card).toContain('> Gómez-Flores et al., BUS-BRA, Medical Physics 2023');
    expect(card).toContain('resamplings in this cohort: 1');
    expect(card).toContain('- Sampler: DDIM, 20 steps');
    expect(datasetCard({ ...cardInput, sampler: 'DPM_SOLVER_PP' })).toContain('- Sampler: DPM-Solver++(2M), 20 steps');
    expect(card).not.toMatch(/fixture/);
    expect(datasetCard({ ...cardInput, model: { ...cardInput.model, fixture: true } })).toMatch(/tiny test model \(a fixture\)/);
  });

  it("states when the service deletes the cohort's images, or that it keeps them until deleted", () => {
    expect(datasetCard(cardInput)).toContain("SynthBUS keeps this cohort's images until **2026-04-01T00:05:00.000Z**; then they are deleted from the service.");
    const forever = datasetCard({ ...cardInput, expiresAt: null });
    expect(forever).toContain("SynthBUS keeps this cohort's images until the partner deletes them.");
    expect(forever).toContain('the order and its certificate\nremain');
  });
});
