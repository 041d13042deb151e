// Checks an unpacked cohort: every metadata.csv row's file has its sha256, no unlisted image is
// present, and certificate.json is signed by a key the API publishes (and by the key it embeds),
// certifies exactly these image files, and passed. Returns the problems, each naming its file.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PublishedKey, parseCertificateFile } from '../privacy/certificate-file';
import { checkImages, verifyCertificate } from '../privacy/verify';
import { ARCHIVE_FILES, METADATA_COLUMNS } from '../delivery/layout';
import { pathInside } from './extract';

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)])));
  return nested.flat();
}

async function checkMetadata(dir: string): Promise<string[]> {
  const text = await fs.readFile(join(dir, ARCHIVE_FILES.metadata), 'utf8').catch(() => null);
  if (text === null) return [`${ARCHIVE_FILES.metadata}: missing`];
  const [header, ...rows] = text.split(/\r?\n/).filter((l) => l !== '');
  if (header !== METADATA_COLUMNS.join(',')) return [`${ARCHIVE_FILES.metadata}: header is "${header}", expected "${METADATA_COLUMNS.join(',')}"`];
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const [i, row] of rows.entries()) {
    const [fileName, , , , sha] = row.split(',');
    let path: string;
    try {
      path = pathInside(dir, fileName);
    } catch {
      problems.push(`${ARCHIVE_FILES.metadata} line ${i + 2}: file_name "${fileName}" points outside the cohort folder`);
      continue;
    }
    listed.add(path);
    const actual = await sha256File(path).catch(() => null);
    if (actual === null) problems.push(`${fileName}: missing (listed in ${ARCHIVE_FILES.metadata})`);
    else if (actual !== sha) problems.push(`${fileName}: sha256 is ${actual}, but ${ARCHIVE_FILES.metadata} says ${sha}`);
  }
  for (const file of await listFiles(join(dir, 'images'))) {
    if (!listed.has(file)) problems.push(`${relative(dir, file)}: not listed in ${ARCHIVE_FILES.metadata}`);
  }
  return problems;
}

async function checkCertificate(dir: string, trustedKeys: PublishedKey[]): Promise<string[]> {
  const name = ARCHIVE_FILES.certificate;
  let cert;
  try {
    cert = parseCertificateFile(await fs.readFile(join(dir, name), 'utf8'), name);
  } catch (e) {
    return [(e as NodeJS.ErrnoException).code === 'ENOENT' ? `${name}: missing` : (e as Error).message];
  }
  const trusted = verifyCertificate(cert, trustedKeys);
  const embedded = verifyCertificate(cert, cert.publicKeys);
  const problems = [...new Set([...trusted.problems, ...embedded.problems.map((p) => `${p} (with the key embedded in the file)`)])].map((p) => `${name}: ${p}`);
  if (trusted.record) problems.push(...checkImages(trusted.record, join(dir, 'images'), dir));
  return problems;
}

export async function verifyCohort(dir: string, trustedKeys: PublishedKey[]): Promise<string[]> {
  // Absolute from here on: metadata rows resolve to absolute paths, so the files listed on disk must too.
  const root = resolve(dir);
  return [...(await checkMetadata(root)), ...(await checkCertificate(root, trustedKeys))];
}
