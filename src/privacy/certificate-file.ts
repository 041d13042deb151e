// certificate.json, the file a cohort archive ships (docs/certificate-format.md): the certificate
// record as readable JSON, the Ed25519 signature over its RFC 8785 canonical form, and the public
// keys it may be checked with, so it verifies offline.
import type { SignedCertificate } from '../domain/cohort';
import { canonicalize } from '../domain/canonical-json';
import type { PublicKeyInfo } from '../domain/model';

export const CERTIFICATE_FILE_FORMAT = 'synthbus-certificate-file';

/** A key as certificate.json lists it: the published key's id and PEM. */
export type PublishedKey = Pick<PublicKeyInfo, 'keyId' | 'publicKeyPem'>;

export interface CertificateFile {
  format: typeof CERTIFICATE_FILE_FORMAT;
  formatVersion: 1;
  algorithm: 'Ed25519';
  canonicalization: 'RFC 8785';
  keyId: string;
  /** base64 Ed25519 signature over the UTF-8 bytes of canonicalize(certificate). */
  signature: string;
  certificate: Record<string, unknown>;
  /** Public keys the publisher lists (the signer's must be among them). Trust comes from the API's list. */
  publicKeys: PublishedKey[];
}

export function toCertificateFile(signed: SignedCertificate, keys: PublishedKey[]): string {
  if (!keys.some((k) => k.keyId === signed.keyId)) {
    throw new Error(`the public key ${signed.keyId} that signed certificate ${signed.certificateId} is not among the keys given`);
  }
  const certificate = JSON.parse(signed.payload) as Record<string, unknown>;
  if (canonicalize(certificate) !== signed.payload) throw new Error(`certificate ${signed.certificateId}: payload is not canonical JSON`);
  const file: CertificateFile = {
    format: CERTIFICATE_FILE_FORMAT,
    formatVersion: 1,
    algorithm: 'Ed25519',
    canonicalization: 'RFC 8785',
    keyId: signed.keyId,
    signature: signed.signature,
    certificate,
    publicKeys: keys.map(({ keyId, publicKeyPem }) => ({ keyId, publicKeyPem })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Parses certificate.json text; throws naming what is wrong with its structure. */
export function parseCertificateFile(text: string, source = 'certificate.json'): CertificateFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const v = value as Partial<CertificateFile>;
  if (typeof v !== 'object' || v === null || v.format !== CERTIFICATE_FILE_FORMAT) throw new Error(`${source}: not a SynthBUS certificate file (format is not "${CERTIFICATE_FILE_FORMAT}")`);
  if (v.formatVersion !== 1) throw new Error(`${source}: formatVersion ${String(v.formatVersion)} is not supported`);
  if (v.algorithm !== 'Ed25519') throw new Error(`${source}: algorithm ${String(v.algorithm)} is not supported`);
  if (typeof v.keyId !== 'string' || typeof v.signature !== 'string') throw new Error(`${source}: keyId or signature is missing`);
  if (typeof v.certificate !== 'object' || v.certificate === null) throw new Error(`${source}: certificate is missing`);
  if (!Array.isArray(v.publicKeys)) throw new Error(`${source}: publicKeys is missing`);
  return v as CertificateFile;
}

/** The SignedCertificate a certificate file carries (payload re-canonicalized from the record). */
export function signedFromFile(file: CertificateFile): SignedCertificate {
  const verdict = file.certificate.verdict as { passed?: unknown; reason?: unknown } | undefined;
  return {
    certificateId: String(file.certificate.certificateId),
    keyId: file.keyId,
    payload: canonicalize(file.certificate),
    signature: file.signature,
    passed: verdict?.passed === true,
    reason: typeof verdict?.reason === 'string' ? verdict.reason : null,
  };
}
