// Runs the compiled CLI as a child process, and a TCP-level proxy that can cut download responses
// short (a dropped connection, as a flaky network would) while passing everything else through.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/stack';

export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: the API under test runs in this process and must keep serving. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface CuttingProxy {
  url: string;
  /** Download responses are cut after this many body bytes; null passes them whole. */
  cutAfter: number | null;
  /** The Range header of every download request, in order ('' for none). */
  downloadRanges: string[];
  close(): Promise<void>;
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const t = new URL(target);
  const proxy: CuttingProxy = { url: '', cutAfter: null, downloadRanges: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const isDownload = req.url?.startsWith('/downloads/') ?? false;
    if (isDownload) proxy.downloadRanges.push(String(req.headers.range ?? ''));
    const upstream = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      const limit = isDownload && up.statusCode && up.statusCode < 300 ? proxy.cutAfter : null;
      if (limit === null) return void up.pipe(res);
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (sent >= limit) return;
        const piece = chunk.subarray(0, limit - sent);
        sent += piece.length;
        if (sent < limit) return void res.write(piece);
        up.destroy();
        // The connection drops mid-body, once the bytes before the cut have left.
        res.write(piece, () => res.socket?.destroy());
      });
      up.on('end', () => res.end());
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // WebSocket upgrades (the progress subscription) are relayed as raw bytes.
  server.on('upgrade', (req, socket, head) => {
    const up = net.connect(Number(t.port), t.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  proxy.url = `http://127.0.0.1:${port}${t.pathname}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
