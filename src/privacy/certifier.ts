// Certification, apart from sampling: a certificate needs the signing key ring and the model's
// privacy facts, no ONNX. The worker's last shard of an order calls certify().
import type { CohortCertificateInput, SignedCertificate } from '../domain/cohort';
import type { PublicKeyInfo } from '../domain/model';
import type { SamplingEngine } from '../domain/sampling-engine';
import { buildCertificateRecord, signCertificate } from './certificate';
import { KeyRing } from './keys';

export interface CertifierOptions {
  /** The key ring lives in <dataDir>/keys. */
  dataDir: string;
  /** A PEM Ed25519 private key to sign with instead of the generated one. */
  signingKeyFile?: string;
  /** Encrypts the generated signing key at rest. */
  signingKeyPassphrase?: string;
  log?: (line: string) => void;
}

export class Certifier {
  private constructor(
    private readonly keys: KeyRing,
    private readonly models: Pick<SamplingEngine, 'certificateModel'>,
  ) {}

  /** Opens (or creates) the key ring; `models` says what each model's certificate states. */
  static open(opts: CertifierOptions, models: Pick<SamplingEngine, 'certificateModel'>): Certifier {
    const keys = KeyRing.open({ dataDir: opts.dataDir, keyFile: opts.signingKeyFile, passphrase: opts.signingKeyPassphrase, log: opts.log });
    opts.log?.(`signing certificates with key ${keys.current.keyId}`);
    return new Certifier(keys, models);
  }

  /** Builds, checks and signs the cohort certificate. */
  certify(input: CohortCertificateInput): SignedCertificate {
    const key = this.keys.current;
    const record = buildCertificateRecord(input, this.models.certificateModel(input.params.modelId), key.keyId, new Date().toISOString());
    return signCertificate(record, key);
  }

  /** The public keys certificates may be signed with, current first. */
  publicKeys(): PublicKeyInfo[] {
    return this.keys.publicKeys();
  }

  /** Makes a new signing key current; earlier public keys stay published. Returns its key id. */
  rotateSigningKey(): string {
    return this.keys.rotate().keyId;
  }
}
