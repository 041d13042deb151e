// Ed25519 signing keys (node:crypto). The key ring lives in <dataDir>/keys/: keyring.json lists
// every public key ever used (current first), so certificates signed before a rotation still
// verify; the private key of each generated key is <keyId>.pem (PKCS#8, mode 0600, encrypted with
// AES-256-CBC when a passphrase is configured). A configured key file replaces the generated key.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PublicKeyInfo } from '../domain/model';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

interface KeyRingFile {
  keys: { keyId: string; publicKeyPem: string; createdAt: string }[];
  /** Key id of the generated key in use (absent when only a configured key was ever used). */
  generatedCurrent?: string;
}

/** Key id: "ed25519-" + the first 16 hex digits of sha256 over the raw 32-byte public key. */
export function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return `ed25519-${createHash('sha256').update(Buffer.from(jwk.x, 'base64url')).digest('hex').slice(0, 16)}`;
}

export function signPayload(key: SigningKey, payload: string): string {
  return sign(null, Buffer.from(payload, 'utf8'), key.privateKey).toString('base64');
}

export class KeyRing {
  private constructor(
    private readonly dir: string,
    private ring: KeyRingFile,
    private currentKey: SigningKey,
    private readonly passphrase: string | undefined,
  ) {}

  /**
   * Opens (creating on first start) the key ring under dataDir. With `keyFile`, that PEM private
   * key signs; otherwise the ring's generated key, made now if there is none.
   */
  static open(opts: { dataDir: string; keyFile?: string; passphrase?: string; log?: (line: string) => void }): KeyRing {
    const dir = join(opts.dataDir, 'keys');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyRing = withRingLock(dir, () => {
      const ring = readRing(dir);
      let current: SigningKey;
      if (opts.keyFile) {
        current = loadPrivateKey(opts.keyFile, opts.passphrase);
      } else if (ring.generatedCurrent) {
        current = loadPrivateKey(join(dir, `${ring.generatedCurrent}.pem`), opts.passphrase);
      } else {
        current = generateKey(dir, ring, opts.passphrase);
        opts.log?.(`signing key ${current.keyId} generated in ${dir}`);
      }
      const opened = new KeyRing(dir, ring, current, opts.passphrase);
      opened.publish(current);
      return opened;
    });
    if (!opts.passphrase && !opts.keyFile) {
      opts.log?.('warning: the signing key is stored unencrypted (file mode 0600); set a signing key passphrase to encrypt it');
    }
    return keyRing;
  }

  get current(): SigningKey {
    return this.currentKey;
  }

  /** Every public key certificates may carry, current first. */
  publicKeys(): PublicKeyInfo[] {
    return this.ring.keys.map((k) => ({ ...k, current: k.keyId === this.currentKey.keyId }));
  }

  /** Generates a new key and makes it current; the old public keys stay published. */
  rotate(): SigningKey {
    return withRingLock(this.dir, () => {
      this.ring = readRing(this.dir); // keys other processes added meanwhile stay listed
      this.currentKey = generateKey(this.dir, this.ring, this.passphrase);
      this.publish(this.currentKey);
      return this.currentKey;
    });
  }

  /** Puts `key` first in the ring (adding it if new) and saves the ring atomically (under the ring's lock). */
  private publish(key: SigningKey): void {
    const existing = this.ring.keys.find((k) => k.keyId === key.keyId);
    const entry = existing ?? { keyId: key.keyId, publicKeyPem: key.publicKeyPem, createdAt: new Date().toISOString() };
    this.ring.keys = [entry, ...this.ring.keys.filter((k) => k.keyId !== key.keyId)];
    const path = join(this.dir, 'keyring.json');
    writeFileSync(`${path}.tmp`, `${JSON.stringify(this.ring, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    chmodSync(path, 0o644);
  }
}

const LOCK_WAIT_MS = 10_000;

/**
 * Runs `fn` holding <dir>/keyring.lock. Processes that share a data dir (several workers on one
 * machine, started together) take turns: without it both generated a key, and one's ring write
 * replaced the other's or its rename found the temporary file gone. A lock older than the wait
 * was left by a process that died holding it, and is taken over.
 */
function withRingLock<T>(dir: string, fn: () => T): T {
  const lock = join(dir, 'keyring.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const age = lockAgeMs(lock);
    if (age !== null && age > LOCK_WAIT_MS) rmSync(lock, { force: true });
    else if (Date.now() > deadline) throw new Error(`key ring ${dir} stays locked by another process (${lock}); remove the file if no process is starting`);
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // a synchronous 20 ms pause
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Milliseconds since the lock file was made; null if it is gone meanwhile. */
function lockAgeMs(lock: string): number | null {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return null;
  }
}

/** The ring under `dir`; an empty one before the first key. */
function readRing(dir: string): KeyRingFile {
  const path = join(dir, 'keyring.json');
  if (!existsSync(path)) return { keys: [] };
  let ring: KeyRingFile;
  try {
    ring = JSON.parse(readFileSync(path, 'utf8')) as KeyRingFile;
  } catch (e) {
    throw new Error(`key ring ${path} cannot be read: ${(e as Error).message}`);
  }
  if (!Array.isArray(ring.keys)) throw new Error(`key ring ${path} has no "keys" list`);
  return ring;
}

/** Makes a key pair, writes its private key under `dir` and records it as the ring's generated key. */
function generateKey(dir: string, ring: KeyRingFile, passphrase: string | undefined): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  const pem = privateKey.export(
    passphrase ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase } : { type: 'pkcs8', format: 'pem' },
  );
  writeFileSync(join(dir, `${keyId}.pem`), pem, { mode: 0o600, flag: 'wx' });
  ring.generatedCurrent = keyId;
  return { keyId, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

function loadPrivateKey(file: string, passphrase: string | undefined): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: readFileSync(file), format: 'pem', passphrase });
  } catch (e) {
    throw new Error(`signing key ${file} cannot be read: ${(e as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`signing key ${file} is a ${privateKey.asymmetricKeyType} key; an Ed25519 key is required`);
  }
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
