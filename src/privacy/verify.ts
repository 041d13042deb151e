// Offline verification of a certificate: the signature, the record's own consistency, and given the
// images, that every delivered image's bytes hash to what the certificate says.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { SignedCertificate } from '../domain/cohort';
import { decodeGrayPng } from './png-read';
import { canonicalize } from '../domain/canonical-json';
import { CertificateFile, parseCertificateFile, PublishedKey, signedFromFile } from './certificate-file';
import { CertificateRecord } from './certificate';
import { keyIdOf } from './keys';

export interface VerifyResult {
  ok: boolean;
  problems: string[];
  /** The signed record, when the payload parsed. */
  record: CertificateRecord | null;
}

function isCertificateFile(c: SignedCertificate | CertificateFile): c is CertificateFile {
  return 'format' in c;
}

/** Checks the signature with the trusted `publicKeys` and the record's internal consistency. */
export function verifyCertificate(cert: SignedCertificate | CertificateFile, publicKeys: PublishedKey[]): VerifyResult {
  const signed = isCertificateFile(cert) ? signedFromFile(cert) : cert;
  const problems: string[] = [];
  const key = publicKeys.find((k) => k.keyId === signed.keyId);
  let record: CertificateRecord | null = null;
  try {
    record = JSON.parse(signed.payload) as CertificateRecord;
    if (canonicalize(record) !== signed.payload) problems.push('the certificate payload is not RFC 8785 canonical JSON');
  } catch (e) {
    problems.push(`the certificate payload is not JSON (${(e as Error).message})`);
  }
  if (!key) {
    problems.push(`signed by key ${signed.keyId}, which is not among the ${publicKeys.length} trusted public key(s)`);
  } else {
    let publicKey;
    try {
      publicKey = createPublicKey(key.publicKeyPem);
    } catch (e) {
      problems.push(`public key ${key.keyId} cannot be read (${(e as Error).message})`);
    }
    if (publicKey) {
      if (keyIdOf(publicKey) !== key.keyId) problems.push(`public key listed as ${key.keyId} actually has key id ${keyIdOf(publicKey)}`);
      else if (!verify(null, Buffer.from(signed.payload, 'utf8'), publicKey, Buffer.from(signed.signature, 'base64'))) {
        problems.push(`the Ed25519 signature does not match the certificate content (key ${key.keyId}): the certificate was altered or signed by another key`);
      }
    }
  }
  if (record) {
    if (record.keyId !== signed.keyId) problems.push(`the certificate names key ${record.keyId} but the signature is by ${signed.keyId}`);
    if (!record.verdict?.passed) problems.push(`the certificate records that the cohort failed: ${record.verdict?.reason ?? 'no reason given'}`);
    const images = Array.isArray(record.images) ? record.images : [];
    if (record.counts?.delivered !== images.length) problems.push(`counts.delivered is ${record.counts?.delivered} but ${images.length} images are listed`);
    for (const img of images) {
      if (!(img.nnDistance >= img.threshold)) problems.push(`image ${img.index}: nearest-neighbour distance ${img.nnDistance} is below the threshold ${img.threshold}`);
    }
  }
  return { ok: problems.length === 0, problems, record };
}

function pngFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return pngFiles(path);
    return d.isFile() && d.name.toLowerCase().endsWith('.png') ? [path] : [];
  });
}

/** The bundle a PNG's provenance names (SynthBUS-BundleSha256); null if it names none or does not decode. */
function bundleOf(png: Buffer): string | null {
  try {
    return decodeGrayPng(png).text['SynthBUS-BundleSha256'] ?? null;
  } catch {
    return null;
  }
}

/**
 * Every delivered image has a file with its sha256, made by the bundle the certificate names (its
 * provenance says so: one bundle makes a cohort); every PNG under `dir` is one of them.
 */
export function checkImages(record: CertificateRecord, dir: string, displayRoot: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [`${dir}: not a folder`];
  const problems: string[] = [];
  const byHash = new Map(record.images.map((img) => [img.sha256, img.index]));
  const found = new Set<string>();
  for (const file of pngFiles(dir).sort()) {
    const bytes = readFileSync(file);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const name = relative(displayRoot, file);
    if (byHash.has(hash)) {
      found.add(hash);
      const bundle = bundleOf(bytes);
      if (bundle !== null && bundle !== record.model.bundleHash) problems.push(`${name}: made by bundle ${bundle}, but the certificate names bundle ${record.model.bundleHash}`);
      continue;
    }
    let index: string | undefined;
    try {
      index = decodeGrayPng(bytes).text['SynthBUS-ImageIndex'];
    } catch {
      index = undefined; // unreadable: reported below as not in the certificate
    }
    problems.push(
      index !== undefined && record.images.some((img) => String(img.index) === index)
        ? `${name}: sha256 differs from the certificate (image ${index})`
        : `${name}: not an image this certificate lists`,
    );
  }
  for (const img of record.images) {
    if (!found.has(img.sha256)) problems.push(`image ${img.index}: no file under ${relative(displayRoot, dir) || '.'} has the certified sha256 ${img.sha256}`);
  }
  return problems;
}

/** Reads the public keys a partner trusts: the API's published list (an array, or `{ keys: [...] }`). */
export function readPublicKeysFile(file: string): PublishedKey[] {
  const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const list = Array.isArray(value) ? value : (value as { keys?: unknown }).keys;
  if (!Array.isArray(list) || list.some((k) => typeof k?.keyId !== 'string' || typeof k?.publicKeyPem !== 'string')) {
    throw new Error(`${file}: expected a JSON array of { keyId, publicKeyPem } (or { "keys": [...] })`);
  }
  return list as PublishedKey[];
}

export interface VerifyFileResult {
  ok: boolean;
  problems: string[];
  /** Not failures, but what the partner should know (e.g. keys taken from the file itself). */
  notes: string[];
  record: CertificateRecord | null;
}

export async function verifyCertificateFile(file: string, opts: { imagesDir?: string; publicKeysFile?: string } = {}): Promise<VerifyFileResult> {
  const notes: string[] = [];
  let cert: CertificateFile;
  try {
    cert = parseCertificateFile(readFileSync(file, 'utf8'), file);
  } catch (e) {
    return { ok: false, problems: [(e as Error).message], notes, record: null };
  }
  let keys: PublishedKey[];
  if (opts.publicKeysFile) {
    try {
      keys = readPublicKeysFile(opts.publicKeysFile);
    } catch (e) {
      return { ok: false, problems: [(e as Error).message], notes, record: null };
    }
  } else {
    keys = cert.publicKeys;
    notes.push(
      `checked against the public key embedded in ${file} (${cert.keyId}); to prove who signed it, ` +
        'compare that key id with the keys the SynthBUS API publishes, or pass them with --keys',
    );
  }
  const result = verifyCertificate(cert, keys);
  const problems = result.problems.map((p) => `${file}: ${p}`);
  if (opts.imagesDir && result.record) {
    problems.push(...checkImages(result.record, opts.imagesDir, join(opts.imagesDir, '..')));
  }
  return { ok: problems.length === 0, problems, notes, record: result.record };
}
