// DATASET_CARD.md: what the cohort is, how it was made, that every image is synthetic, and the
// licence and required citation of the real data the model learned from.
import type { Sampler } from '../domain/model';

export interface TrainingData {
  dataset: string;
  licence: string;
  citation: string;
}

export interface DatasetCardInput {
  orderId: string;
  certificateId: string;
  model: { modelId: string; name: string; bundleHash: string; fixture: boolean };
  counts: { birads: number; count: number }[];
  sampler: Sampler;
  steps: number;
  guidance: number;
  orderSeed: number;
  rejections: number;
  createdAt: Date;
  finishedAt: Date;
  /** When the service deletes the cohort's images; null: kept until the partner deletes them. */
  expiresAt: Date | null;
  trainingData: TrainingData;
}

export function datasetCard(c: DatasetCardInput): string {
  const size = c.counts.reduce((n, k) => n + k.count, 0);
  const table = c.counts.map((k) => `| ${k.birads} | ${k.count} | \`images/${k.birads}/\` |`).join('\n');
  const training = [
    `The model was trained on **${c.trainingData.dataset}**.`,
    '',
    `- Licence of the training data: ${c.trainingData.licence}`,
    `- Required citation (cite it in any work that uses this cohort):`,
    '',
    `  > ${c.trainingData.citation.replace(/\n/g, '\n  > ')}`,
  ];
  return `# Synthetic breast-ultrasound cohort ${c.orderId}

**Every image in this dataset is synthetic.** Each was sampled by a generative model; none is a
photograph of a patient, and none may be presented as real clinical data.
${c.model.fixture ? '\n> This cohort comes from a tiny test model (a fixture), not a product model: its images are not meant for research.\n' : ''}
## Contents
${size} grayscale PNG images, labelled with a BI-RADS assessment category:

| BI-RADS | images | folder |
| --- | --- | --- |
${table}

- \`images/<BI-RADS>/<index>.png\`: a torchvision \`ImageFolder\` rooted at \`images/\`.
- \`metadata.csv\`: one row per image, columns \`file_name\` (relative to this folder), \`birads\`,
  \`seed\`, \`nn_distance\`, \`sha256\`; this folder loads with HuggingFace
  \`load_dataset("imagefolder", data_dir=".")\`.
- \`certificate.json\`: the signed privacy certificate (Ed25519 over RFC 8785 canonical JSON),
  listing the sha256 of every image. Check it offline with \`synthbus verify-certificate\`.
- \`MODEL_CARD.md\`: the model that made the images.

## How it was made
- Model: ${c.model.name} (\`${c.model.modelId}\`), bundle sha256 \`${c.model.bundleHash}\`.
- Sampler: ${c.sampler === 'DDIM' ? 'DDIM' : 'DPM-Solver++(2M)'}, ${c.steps} steps, classifier-free guidance scale ${c.guidance}, order seed ${c.orderSeed};
  each image's seed is derived from the order seed and its index (column \`seed\`), so the cohort
  is reproducible from the same model bundle.
- Privacy check: every image's nearest neighbour among the model's training images was found by
  exact search; an image closer than the calibrated threshold was never delivered but resampled
  with a new seed (resamplings in this cohort: ${c.rejections}). \`nn_distance\` is each
  delivered image's distance to its nearest training image.
- Ordered ${c.createdAt.toISOString()}, completed ${c.finishedAt.toISOString()}; certificate \`${c.certificateId}\`.

## Retention
${
  c.expiresAt
    ? `SynthBUS keeps this cohort's images until **${c.expiresAt.toISOString()}**; then they are deleted from the service.`
    : `SynthBUS keeps this cohort's images until the partner deletes them.`
} The partner may delete them earlier (\`deleteCohort\`). After deletion the order and its certificate
remain, and the certificate still verifies this copy: keep it.

## Training data
${training.join('\n')}
`;
}
