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
  images: ArchivedImage[];
  certificateJson: string;
  modelCard: string;
  datasetCard: string;
}

/** An image with the length and CRC-32 its row recorded (null on rows written before they were). */
export interface ArchivedImage extends CohortImage {
  bytes: number | null;
  crc32: number | null;
}

/** The recorded facts; only rows older than them read the bytes. */
async function imageFacts(store: ImageReader, im: ArchivedImage): Promise<{ crc: number; size: number }> {
  if (im.bytes !== null && im.crc32 !== null) return { crc: im.crc32, size: im.bytes };
  return crc32Stream(store.stream(im.sha256));
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
    const { crc, size } = await imageFacts(store, im);
    const source: ByteSource = { id: `sha256:${im.sha256}`, read: (range) => store.stream(im.sha256, range) };
    entries.push({ name: imagePath(im, c.size), size, crc32: crc, source: { kind: 'source', source } });
  }
  return entries;
}
