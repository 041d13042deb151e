// The archive entries of a delivered cohort: the cards, the certificate, metadata.csv and every
// image, streamed from the content-addressed store.
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { ArchiveEntry, ByteSource } from './archive-plan';
import { crc32Stream } from './crc32';
import { ARCHIVE_FILES, CohortImage, imagePath, metadataCsv, orderImages } from './layout';

/** The part of the image store that delivery reads (src/storage's ContentStore fits). */
export interface ImageReader {
  stream(sha256: string, range?: { start: number; end: number }): Readable;
}

export interface DeliverableCohort {
  size: number;
  images: CohortImage[];
  certificateJson: string;
  modelCard: string;
  datasetCard: string;
}

// Stored images are named by their sha256 and never change, so their CRC-32 and length can be
// remembered: a resumed download (a Range request) does not read the whole cohort again.
const factsBySha = new Map<string, { crc: number; size: number }>();
const FACTS_CACHE_LIMIT = 200_000;

async function imageFacts(store: ImageReader, sha256: string): Promise<{ crc: number; size: number }> {
  const known = factsBySha.get(sha256);
  if (known) return known;
  const facts = await crc32Stream(store.stream(sha256));
  if (factsBySha.size >= FACTS_CACHE_LIMIT) factsBySha.clear();
  factsBySha.set(sha256, facts);
  return facts;
}

function textEntry(name: string, text: string): ArchiveEntry {
  const data = Buffer.from(text, 'utf8');
  return { name, size: data.length, crc32: crc32(data), source: { kind: 'bytes', data } };
}

export async function cohortEntries(c: DeliverableCohort, store: ImageReader): Promise<ArchiveEntry[]> {
  const entries = [
    textEntry(ARCHIVE_FILES.datasetCard, c.datasetCard),
    textEntry(ARCHIVE_FILES.modelCard, c.modelCard),
    textEntry(ARCHIVE_FILES.certificate, c.certificateJson),
    textEntry(ARCHIVE_FILES.metadata, metadataCsv(c.images, c.size)),
  ];
  for (const im of orderImages(c.images)) {
    const { crc, size } = await imageFacts(store, im.sha256);
    const source: ByteSource = { id: `sha256:${im.sha256}`, read: (range) => store.stream(im.sha256, range) };
    entries.push({ name: imagePath(im, c.size), size, crc32: crc, source: { kind: 'source', source } });
  }
  return entries;
}
