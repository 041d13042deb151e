// Where each file of a delivered cohort goes, and the metadata.csv that describes the images.
// The layout is a torchvision ImageFolder under images/ (one folder per BI-RADS class) and a
// HuggingFace "imagefolder" dataset at the root (metadata.csv's file_name is relative to it).

export interface CohortImage {
  index: number;
  birads: number;
  /** Decimal u64 seed of the delivered attempt. */
  seed: string;
  nnDistance: number;
  sha256: string;
}

export const METADATA_COLUMNS = ['file_name', 'birads', 'seed', 'nn_distance', 'sha256'] as const;
export const ARCHIVE_FILES = {
  metadata: 'metadata.csv',
  certificate: 'certificate.json',
  modelCard: 'MODEL_CARD.md',
  datasetCard: 'DATASET_CARD.md',
} as const;

/** `images/<birads>/<index>.png`, the index zero-padded so names sort in index order. */
export function imagePath(image: CohortImage, cohortSize: number): string {
  const width = Math.max(6, String(Math.max(0, cohortSize - 1)).length);
  return `images/${image.birads}/${String(image.index).padStart(width, '0')}.png`;
}

/** Images in archive order: by class, then index (the order ImageFolder lists them). */
export function orderImages<T extends CohortImage>(images: T[]): T[] {
  return [...images].sort((a, b) => a.birads - b.birads || a.index - b.index);
}

export function metadataCsv(images: CohortImage[], cohortSize: number): string {
  const rows = orderImages(images).map((im) =>
    [imagePath(im, cohortSize), String(im.birads), im.seed, String(im.nnDistance), im.sha256].join(','),
  );
  // RFC 4180 line endings, which every CSV reader accepts.
  return [METADATA_COLUMNS.join(','), ...rows].map((l) => `${l}\r\n`).join('');
}
