// Seals secrets the server must read back (webhook signing secrets) with AES-256-GCM under a key
// kept outside the database, so a database dump or backup alone reveals none of them. Each sealed
// value is bound to its row (the additional data): a sealed secret copied into another row does not open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class SecretBox {
  private readonly key: Buffer;

  /** `material`: the configured or generated secret (32 bytes or more); the AES key is derived from it. */
  constructor(material: Buffer, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), `synthbus ${purpose}`, 32));
  }

  seal(plaintext: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
  }

  /** Throws if the value was not sealed by this key for `boundTo`. */
  open(sealed: string, boundTo: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error(`not a sealed secret (expected ${VERSION}:iv:tag:data)`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  }
}
