// Content-addressed image storage: bytes are filed under their sha256, so writing the same image
// twice (a retried shard) is a no-op and a stored file can always be checked against its name.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** Small enough that an S3-compatible backend can implement it. */
export interface ContentStore {
  /** Stores the bytes and returns their sha256 (hex). Idempotent. */
  put(bytes: Buffer): Promise<string>;
  get(sha256: string): Promise<Buffer>;
  stream(sha256: string, range?: { start: number; end: number }): Readable;
  has(sha256: string): Promise<boolean>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class FileContentStore implements ContentStore {
  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  /** Where the file for a hash lives: two levels of fan-out keep directories small. */
  path(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256 hex digest: "${sha256}"`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(bytes: Buffer): Promise<string> {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const target = this.path(sha);
    if (await this.has(sha)) return sha;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    // Write then rename: a crash mid-write never leaves a truncated file under the final name.
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, target);
    return sha;
  }

  get(sha256: string): Promise<Buffer> {
    return fs.promises.readFile(this.path(sha256));
  }

  stream(sha256: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.path(sha256), range);
  }

  async has(sha256: string): Promise<boolean> {
    return fs.promises.access(this.path(sha256)).then(
      () => true,
      () => false,
    );
  }
}
