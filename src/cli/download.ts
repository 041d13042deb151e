// Downloads a cohort archive into `<target>.part`, resuming with Range/If-Range after a dropped
// connection (in this run, or a later `pull`), and renames it to `target` once complete.
import { createWriteStream, promises as fs } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApiClient, CliError } from './api';
import { CREATE_DOWNLOAD_LINK } from './operations';
import { formatBytes, ProgressBar } from './progress';

export interface DownloadRequest {
  api: ApiClient;
  orderId: string;
  format: 'zip' | 'tar';
  target: string;
  progress: ProgressBar;
  maxAttempts?: number;
  /** Told when a request resumes from a byte offset (for messages and tests). */
  onResume?: (offset: number) => void;
}

async function sizeOf(path: string): Promise<number> {
  return fs.stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

async function newLink(r: DownloadRequest): Promise<string> {
  const { createDownloadLink } = await r.api.request<{ createDownloadLink: { url: string } }>(CREATE_DOWNLOAD_LINK, {
    orderId: r.orderId,
    format: r.format.toUpperCase(),
  });
  return r.api.resolve(createDownloadLink.url);
}

async function refusal(res: Response): Promise<{ reason: string; message: string }> {
  try {
    const body = (await res.json()) as { errors?: { message: string; extensions?: { reason?: string } }[] };
    const e = body.errors?.[0];
    return { reason: e?.extensions?.reason ?? '', message: e?.message ?? `HTTP ${res.status}` };
  } catch {
    return { reason: '', message: `HTTP ${res.status}` };
  }
}

/** Total length from `Content-Range: bytes a-b/N`, checking that it starts where we asked. */
function rangeTotal(header: string | null, start: number): number | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '');
  return m && Number(m[1]) === start ? Number(m[3]) : null;
}

export async function downloadArchive(r: DownloadRequest): Promise<{ bytes: number }> {
  const part = `${r.target}.part`;
  const etagFile = `${part}.etag`;
  const maxAttempts = r.maxAttempts ?? 5;
  let url = await newLink(r);
  let lastError = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await new Promise((res) => setTimeout(res, Math.min(4000, 200 * 2 ** (attempt - 1))));
    const etag = await fs.readFile(etagFile, 'utf8').catch(() => null);
    // Without the ETag the bytes on disk cannot be matched to the server's version: start over.
    const have = etag ? await sizeOf(part) : 0;
    const headers: Record<string, string> = { authorization: r.api.authorization() };
    if (have > 0 && etag) Object.assign(headers, { range: `bytes=${have}-`, 'if-range': etag });
    let res: Response;
    try {
      res = await fetch(url, { headers });
    } catch (e) {
      lastError = `cannot reach ${new URL(url).origin}: ${(e as Error).cause ?? (e as Error).message}`;
      continue;
    }
    if (res.status === 403 || res.status === 401 || res.status === 404 || res.status === 409) {
      const why = await refusal(res);
      if (why.reason === 'LINK_EXPIRED') {
        url = await newLink(r);
        continue;
      }
      throw new CliError(`download refused: ${why.message}`);
    }
    let offset: number;
    let total: number | null;
    if (res.status === 206) {
      offset = have;
      total = rangeTotal(res.headers.get('content-range'), have);
      if (total === null) throw new CliError(`the server answered a resume from byte ${have} with another range (${res.headers.get('content-range')})`);
      r.onResume?.(have);
    } else if (res.status === 200) {
      offset = 0;
      total = Number(res.headers.get('content-length'));
      const newEtag = res.headers.get('etag');
      if (newEtag) await fs.writeFile(etagFile, newEtag);
      else await fs.rm(etagFile, { force: true });
    } else if (res.status === 416) {
      // The part file is longer than the archive: it belongs to something else; start over.
      await fs.rm(etagFile, { force: true });
      continue;
    } else {
      throw new CliError(`download failed: the server answered HTTP ${res.status}`);
    }
    if (!res.body) throw new CliError('download failed: the server sent no body');
    let done = offset;
    r.progress.update(done, total, `${formatBytes(done)} of ${formatBytes(total)}`);
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        r.progress.update(done, total as number, `${formatBytes(done)} of ${formatBytes(total as number)}`);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' }));
    } catch (e) {
      lastError = `the connection dropped at byte ${done} of ${total} (${(e as Error).message})`;
      continue;
    }
    const size = await sizeOf(part);
    if (size !== total) {
      lastError = `the download ended at byte ${size} of ${total}`;
      continue;
    }
    r.progress.finish(`${formatBytes(total)}`);
    await fs.rename(part, r.target);
    await fs.rm(etagFile, { force: true });
    return { bytes: total };
  }
  throw new CliError(`download of order ${r.orderId} did not complete after ${maxAttempts} attempts: ${lastError}. Run pull again to resume from ${formatBytes(await sizeOf(part))}.`);
}
