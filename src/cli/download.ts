// Downloads a cohort archive into `<target>.part`, resuming with Range/If-Range after a dropped
// connection (in this run, or a later `pull`), and renames it to `target` once complete.
import { closeSync, openSync, promises as fs, rmSync, writeFileSync, writeSync } from 'node:fs';
import http, { IncomingMessage } from 'node:http';
import https from 'node:https';
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

/** GET with node:http, whose body hands over every byte received before a dropped connection. */
function get(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { headers }, resolve);
    req.on('error', reject);
  });
}

async function refusal(res: IncomingMessage): Promise<{ reason: string; message: string }> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of res) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { errors?: { message: string; extensions?: { reason?: string } }[] };
    const e = body.errors?.[0];
    return { reason: e?.extensions?.reason ?? '', message: e?.message ?? `HTTP ${res.statusCode}` };
  } catch {
    return { reason: '', message: `HTTP ${res.statusCode}` };
  }
}

/** Total length from `Content-Range: bytes a-b/N`, checking that it starts where we asked. */
function rangeTotal(header: string | undefined, start: number): number | null {
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
    let res: IncomingMessage;
    try {
      res = await get(url, headers);
    } catch (e) {
      lastError = `cannot reach ${new URL(url).origin}: ${(e as Error).message}`;
      continue;
    }
    const status = res.statusCode ?? 0;
    // 410: the cohort was deleted after the link was issued; the message names when and why.
    if (status === 403 || status === 401 || status === 404 || status === 409 || status === 410) {
      const why = await refusal(res);
      if (why.reason === 'LINK_EXPIRED') {
        url = await newLink(r);
        continue;
      }
      throw new CliError(`download refused: ${why.message}`);
    }
    // From here to the body loop nothing may await: a connection that drops in between would
    // discard the bytes it already delivered. So the file work below is synchronous.
    let offset: number;
    let total: number | null;
    if (status === 206) {
      offset = have;
      total = rangeTotal(res.headers['content-range'], have);
      if (total === null) throw new CliError(`the server answered a resume from byte ${have} with another range (${res.headers['content-range']})`);
      r.onResume?.(have);
    } else if (status === 200) {
      offset = 0;
      total = Number(res.headers['content-length']);
      const newEtag = res.headers.etag;
      if (newEtag) writeFileSync(etagFile, newEtag);
      else rmSync(etagFile, { force: true });
    } else if (status === 416) {
      res.resume();
      // The part file is longer than the archive: it belongs to something else; start over.
      await fs.rm(etagFile, { force: true });
      continue;
    } else {
      throw new CliError(`download failed: the server answered HTTP ${status}`);
    }
    let done = offset;
    r.progress.update(done, total, `${formatBytes(done)} of ${formatBytes(total)}`);
    // Each chunk is on disk before it is counted, so a dropped connection loses nothing received.
    const fd = openSync(part, offset > 0 ? 'a' : 'w');
    try {
      for await (const chunk of res) {
        writeSync(fd, chunk as Buffer);
        done += (chunk as Buffer).length;
        r.progress.update(done, total, `${formatBytes(done)} of ${formatBytes(total)}`);
      }
    } catch (e) {
      lastError = `the connection dropped at byte ${done} of ${total} (${(e as Error).message})`;
      continue;
    } finally {
      closeSync(fd);
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
