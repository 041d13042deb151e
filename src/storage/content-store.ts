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
  /**
   * Removes the bytes; true if they were there, false if already absent (idempotent). The caller
   * decides that nothing references them any more (services/cohort-deletion.ts), so a backend only
   * removes the one object named by the hash.
   */
  delete(sha256: string): Promise<boolean>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Where the bytes of a hash are filed, as path segments: two levels of fan-out keep directories
 * small. Every backend uses it (a folder's path, a bucket's key), so a folder copies into a bucket
 * as it is.
 */
export function contentPath(sha256: string): [string, string, string] {
  if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256 hex digest: "${sha256}"`);
  return [sha256.slice(0, 2), sha256.slice(2, 4), sha256];
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
};

/**
 * The store could not be written or read: `code` is the errno name (EACCES, ENOSPC, …) or, for a
 * bucket, the network error's or S3's (ECONNREFUSED, AccessDenied, …). Often transient.
 */
export class StorageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

function exists(p: string): Promise<boolean> {
  return fs.promises.access(p).then(
    () => true,
    () => false,
  );
}

export class FileContentStore implements ContentStore {
  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  /** Where the file for a hash lives. */
  path(sha256: string): string {
    return path.join(this.root, ...contentPath(sha256));
  }

  /**
   * Writes to a temp file, fsyncs it and renames it into place: a crash or a full disk never
   * leaves a truncated file under the final name, and a failed write removes its temp file. A
   * temp file of a writer killed mid-write (SIGKILL) goes when its image is stored again (a
   * retried shard makes the same bytes).
   */
  async put(bytes: Buffer): Promise<string> {
    const sha = sha256Hex(bytes);
    const target = this.path(sha);
    if (await this.has(sha)) return this.sweepTemps(target, sha);
    const dir = path.dirname(target);
    await fs.promises.mkdir(dir, { recursive: true }).catch((e: unknown) => this.fail('create the directory', dir, e));
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const file = await fs.promises.open(tmp, 'wx', 0o644);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await fs.promises.rename(tmp, target);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      await this.fail('write', target, e);
    }
    return this.sweepTemps(target, sha);
  }

  /**
   * Removes the temp files of other writes of these bytes, now that they are stored: a concurrent
   * writer whose file goes finds the bytes stored when it retries.
   */
  private async sweepTemps(target: string, sha: string): Promise<string> {
    const dir = path.dirname(target);
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith(`${sha}.`) && name.endsWith('.tmp')) await fs.promises.rm(path.join(dir, name), { force: true }).catch(() => undefined);
    }
    return sha;
  }

  /**
   * Throws a StorageError naming the real cause. A recursive mkdir below a directory this process
   * may not write reports ENOENT; the first existing ancestor then tells EACCES or EROFS.
   */
  private async fail(action: string, where: string, e: unknown): Promise<never> {
    let code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT') {
      let dir = where;
      while (!(await exists(dir)) && path.dirname(dir) !== dir) dir = path.dirname(dir);
      code = await fs.promises.access(dir, fs.constants.W_OK).then(
        () => code,
        (denied: NodeJS.ErrnoException) => denied.code ?? code,
      );
    }
    throw new StorageError(code, `image store ${this.root}: cannot ${action} ${where}: ${code} (${CAUSES[code] ?? (e as Error).message})`);
  }

  // async: a bad name rejects, as it does in every backend, rather than throwing.
  async get(sha256: string): Promise<Buffer> {
    return fs.promises.readFile(this.path(sha256));
  }

  stream(sha256: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.path(sha256), range);
  }

  async has(sha256: string): Promise<boolean> {
    return exists(this.path(sha256));
  }

  /** Unlinks the file (a reader that has it open keeps reading); an absent file is not an error. */
  async delete(sha256: string): Promise<boolean> {
    const target = this.path(sha256);
    try {
      await fs.promises.unlink(target);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      return this.fail('delete', target, e);
    }
  }
}
