// Content-addressed image storage in an S3 bucket (AWS S3 or an S3-compatible server), keyed
// `<prefix>/<aa>/<bb>/<sha256>` like the folder's paths. Every failure of the bucket is a
// StorageError, so the worker retries it with backoff and tells the order's subscribers.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ContentStore, StorageError, contentPath, sha256Hex } from './content-store';
import type { S3Settings } from './s3-settings';

/** Metadata key holding the object's sha256: an object without it, or of another length, is rewritten. */
const SHA_METADATA = 'sha256';

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed, temporarily',
  ETIMEDOUT: 'timed out',
  TimeoutError: 'timed out',
};

type Range = { start: number; end: number };

/**
 * Without them a black-holed endpoint would hang a shard instead of failing into the retry: time to
 * connect, then to the response's head and between bytes of its body (an archive download paused
 * longer than that breaks off; clients resume it).
 */
export const S3_TIMEOUTS = { connectMs: 5_000, silenceMs: 60_000 };

export class S3ContentStore implements ContentStore {
  private readonly client: S3Client;
  /** s3://bucket/prefix, for messages (no endpoint or credentials). */
  readonly location: string;

  constructor(
    private readonly settings: S3Settings,
    timeouts = S3_TIMEOUTS,
  ) {
    this.location = `s3://${settings.bucket}${settings.prefix ? `/${settings.prefix}` : ''}`;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.credentials,
      // Recent SDKs add CRC32 checksums (aws-chunked trailers for streams) to every upload, which
      // some S3-compatible servers refuse; Content-MD5 below is checked by AWS and most of them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: timeouts.connectMs, requestTimeout: timeouts.silenceMs, throwOnRequestTimeout: true, socketTimeout: timeouts.silenceMs },
    });
  }

  /** The object key of a hash. */
  key(sha256: string): string {
    const parts = contentPath(sha256);
    return (this.settings.prefix ? [this.settings.prefix, ...parts] : parts).join('/');
  }

  /**
   * Idempotent: bytes already stored (same length, same recorded sha256) are not sent again. The
   * upload carries its MD5, so the server refuses bytes damaged on the way.
   */
  async put(bytes: Buffer): Promise<string> {
    const sha = sha256Hex(bytes);
    const key = this.key(sha);
    const head = await this.head(key, 'write');
    if (head && head.ContentLength === bytes.length && head.Metadata?.[SHA_METADATA] === sha) return sha;
    await this.send('write', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          ContentType: 'application/octet-stream',
          Metadata: { [SHA_METADATA]: sha },
        }),
      ),
    );
    return sha;
  }

  /** The whole object, checked against its name. */
  async get(sha256: string): Promise<Buffer> {
    const key = this.key(sha256);
    const bytes = await this.send('read', key, async () => {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    });
    const got = sha256Hex(bytes);
    if (got !== sha256) throw new StorageError('BadDigest', `image store ${this.location}: ${key} holds bytes whose sha256 is ${got}`);
    return bytes;
  }

  /** Streams the object, or bytes [start, end] of it (inclusive), with one ranged GET. */
  stream(sha256: string, range?: Range): Readable {
    return Readable.from(this.chunks(this.key(sha256), range));
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.head(this.key(sha256), 'read')) !== null;
  }

  /** S3 answers a delete alike whether or not the object was there: a HEAD first tells which. */
  async delete(sha256: string): Promise<boolean> {
    const key = this.key(sha256);
    if (!(await this.head(key, 'delete'))) return false;
    await this.send('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key })));
    return true;
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private async *chunks(key: string, range: Range | undefined): AsyncGenerator<Buffer> {
    const res = await this.send('read', key, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key, Range: range && `bytes=${range.start}-${range.end}` })),
    );
    // A server that ignored the Range would put the wrong bytes into the middle of an archive.
    if (range && res.ContentLength !== range.end - range.start + 1) {
      (res.Body as Readable).destroy();
      throw new StorageError('InvalidRange', `image store ${this.location}: asked ${key} for bytes ${range.start}-${range.end}, got ${res.ContentLength} bytes`);
    }
    try {
      for await (const chunk of res.Body as Readable) yield chunk as Buffer;
    } catch (e) {
      throw this.error('read', key, e);
    }
  }

  /** The object's head, or null when there is none. */
  private head(key: string, action: string) {
    return this.send(action, key, () =>
      this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key })).catch((e: unknown) => {
        if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return null;
        throw e;
      }),
    );
  }

  private async send<T>(action: string, key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      throw this.error(action, key, e);
    }
  }

  /** A StorageError naming the cause: S3's error code and message, or the network error. */
  private error(action: string, key: string, e: unknown): StorageError {
    if (e instanceof StorageError) return e;
    const err = e as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
    let code: string;
    let cause: string;
    if (e instanceof S3ServiceException) {
      code = e.name;
      // A HEAD's error has no body: the status is all there is.
      cause = e.message && e.message !== e.name && e.message !== 'UnknownError' ? e.message : `HTTP ${e.$metadata.httpStatusCode ?? '?'}`;
    } else {
      // The SDK's retry layer re-wraps an error that is not an `instanceof Error` of its own realm
      // (one from another VM context, as under jest) into a plain Error that keeps only the text.
      code = err.code ?? /\b(E[A-Z]{3,})\b/.exec(err.message)?.[1] ?? err.name ?? 'Error';
      cause = NETWORK_CAUSES[code] ?? NETWORK_CAUSES[err.name] ?? err.message;
    }
    return new StorageError(code, `image store ${this.location}: cannot ${action} ${key}: ${code} (${cause})`);
  }
}
