// Signed checkpoints of the audit chain, as Certificate Transparency signs its tree heads: the
// head (seq, hash, time) signed with an Ed25519 key that lives in a file of the API's host and
// never in the database. Whoever controls the database can rewrite rows and re-hash the whole
// chain consistently, but cannot sign a head for it: verify compares the chain with every
// signed head. Checkpoints are appended to a file (the trusted copy) and to a table (for the
// admin query; a row there counts only if its signature verifies).
import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { canonicalize } from '../domain/canonical-json';
import { GENESIS_HASH } from './chain';

export interface SignedCheckpoint {
  seq: number;
  hash: string;
  /** ISO 8601. */
  signedAt: string;
  /** sha256 of the public key (SPKI DER), hex, first 16 characters. */
  keyId: string;
  /** Ed25519 over canonical JSON {log, seq, hash, signedAt}, base64. */
  signature: string;
}

export interface CheckpointFiles {
  keyFile: string;
  checkpointFile: string;
}

/** Where the key and the checkpoints live: the settings, or beside the data. */
export function checkpointFiles(config: { dataDir: string; auditCheckpointKeyFile: string | undefined; auditCheckpointFile: string | undefined }): CheckpointFiles {
  return {
    keyFile: config.auditCheckpointKeyFile ?? path.join(config.dataDir, 'audit-checkpoint-key.pem'),
    checkpointFile: config.auditCheckpointFile ?? path.join(config.dataDir, 'audit-checkpoints.jsonl'),
  };
}

const LOG_NAME = 'synthbus-audit-log';

function statement(c: Pick<SignedCheckpoint, 'seq' | 'hash' | 'signedAt'>): Buffer {
  return Buffer.from(canonicalize({ log: LOG_NAME, seq: c.seq, hash: c.hash, signedAt: c.signedAt }), 'utf8');
}

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export class CheckpointKey {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
  ) {}

  get keyId(): string {
    return keyIdOf(this.publicKey);
  }

  /** The key in `keyFile`, or null if there is none (no checkpoint was ever signed there). */
  static async load(keyFile: string): Promise<CheckpointKey | null> {
    let pem: string;
    try {
      pem = await fs.readFile(keyFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const privateKey = createPrivateKey(pem);
    return new CheckpointKey(privateKey, createPublicKey(privateKey));
  }

  /** Loads the key, generating it (mode 0600, its public half beside it) on first use. */
  static async open(keyFile: string): Promise<CheckpointKey> {
    const existing = await CheckpointKey.load(keyFile);
    if (existing) return existing;
    const { privateKey } = generateKeyPairSync('ed25519');
    await fs.mkdir(path.dirname(keyFile), { recursive: true });
    // 'wx': of two processes starting at once, the second keeps the first one's key.
    await fs.writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const key = (await CheckpointKey.load(keyFile)) as CheckpointKey;
    await fs.writeFile(`${keyFile}.pub`, key.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    return key;
  }

  /** The HMAC key of audit entries (row-mac.ts), derived from this key: one secret file for both. */
  get macKey(): Buffer {
    return createHash('sha256').update('synthbus audit entry MAC\0').update(this.privateKey.export({ type: 'pkcs8', format: 'der' })).digest();
  }

  sign(head: { seq: number; hash: string }, at: Date): SignedCheckpoint {
    const body = { seq: head.seq, hash: head.hash, signedAt: at.toISOString() };
    return { ...body, keyId: this.keyId, signature: sign(null, statement(body), this.privateKey).toString('base64') };
  }
}

function isSignedBy(c: SignedCheckpoint, publicKey: KeyObject): boolean {
  try {
    return c.keyId === keyIdOf(publicKey) && verify(null, statement(c), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Signs the chain's current head, appends it to the file and the table, and returns it. */
export async function signCheckpoint(ds: DataSource, key: CheckpointKey, checkpointFile: string, now = new Date()): Promise<SignedCheckpoint> {
  const [head] = (await ds.query('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')) as { seq: string; hash: string }[];
  const cp = key.sign(head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS_HASH }, now);
  await fs.mkdir(path.dirname(checkpointFile), { recursive: true });
  await fs.appendFile(checkpointFile, `${JSON.stringify(cp)}\n`, { mode: 0o644 });
  await ds.query('INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [cp.seq, cp.hash, cp.signedAt, cp.keyId, cp.signature]);
  return cp;
}

function parseLine(line: string): SignedCheckpoint | null {
  try {
    const v = JSON.parse(line) as Partial<SignedCheckpoint>;
    if (typeof v.seq === 'number' && typeof v.hash === 'string' && typeof v.signedAt === 'string' && typeof v.keyId === 'string' && typeof v.signature === 'string') {
      return { seq: v.seq, hash: v.hash, signedAt: v.signedAt, keyId: v.keyId, signature: v.signature };
    }
  } catch {
    // a torn last line (crash while appending) is skipped
  }
  return null;
}

/** The checkpoints stored in the database whose signature verifies (newest first). */
export async function storedCheckpoints(ds: DataSource, publicKey: KeyObject, limit: number): Promise<SignedCheckpoint[]> {
  const rows = (await ds.query('SELECT seq, hash, signed_at, key_id, signature FROM audit_checkpoints ORDER BY seq DESC, signed_at DESC LIMIT $1', [limit])) as {
    seq: string;
    hash: string;
    signed_at: Date;
    key_id: string;
    signature: string;
  }[];
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, signedAt: r.signed_at.toISOString(), keyId: r.key_id, signature: r.signature })).filter((c) => isSignedBy(c, publicKey));
}

/**
 * Every checkpoint that `key` signed, from the file and the table, by seq. A forged or altered
 * line fails its signature and is dropped; so is a table row, which the database's owner could
 * have written.
 */
export async function trustedCheckpoints(ds: DataSource, key: CheckpointKey, checkpointFile: string): Promise<SignedCheckpoint[]> {
  const { publicKey } = key;
  const text = await fs.readFile(checkpointFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  const fromFile = text.split('\n').map(parseLine);
  const fromTable = await storedCheckpoints(ds, publicKey, 10_000);
  const all = [...fromFile, ...fromTable].filter((c): c is SignedCheckpoint => c !== null && isSignedBy(c, publicKey));
  // Two heads signed for one seq with different hashes both stay: verify reports the conflict.
  const unique = new Map<string, SignedCheckpoint>();
  for (const c of all) unique.set(`${c.seq}:${c.hash}`, c);
  return [...unique.values()].sort((x, y) => x.seq - y.seq);
}
