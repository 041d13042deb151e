// A running bench/nn_search_baseline.py (faiss-cpu IndexFlatIP) over the same vectors and queries as
// ours, asked for timings or answers one command at a time, so a caller can interleave its runs.
import { ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { createInterface, Interface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { EmbeddingMatrix } from '../src/privacy/nn-search';

// Next to this file in bench/ (ts-jest), or in the source tree when compiled into dist/bench/.
const SCRIPT = join(__dirname.replace(/[/\\]dist[/\\]bench$/, `${sep}bench`), 'nn_search_baseline.py');

/** Why python3 cannot run the baseline (faiss or numpy missing), or null when it can. */
export function faissUnavailable(): string | null {
  const r = spawnSync('python3', ['-c', 'import faiss, numpy'], { encoding: 'utf8' });
  if (r.error) return `python3 cannot start (${r.error.message})`;
  return r.status === 0 ? null : `python3 cannot import faiss (${r.stderr.trim().split('\n').pop()}); pip install faiss-cpu numpy`;
}

export class FaissBaseline {
  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly lines: AsyncIterator<string>,
    private readonly reader: Interface,
    private readonly dir: string,
    readonly version: string,
    readonly threads: number,
  ) {}

  static async start(refs: EmbeddingMatrix, queries: EmbeddingMatrix): Promise<FaissBaseline> {
    const dir = mkdtempSync(join(tmpdir(), 'synthbus-faiss-'));
    const bytes = (m: EmbeddingMatrix): Uint8Array => new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    writeFileSync(join(dir, 'refs.f32'), bytes(refs));
    writeFileSync(join(dir, 'queries.f32'), bytes(queries));
    const child = spawn('python3', [SCRIPT, join(dir, 'refs.f32'), join(dir, 'queries.f32'), String(refs.dim)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const reader = createInterface({ input: child.stdout });
    const lines = reader[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`${SCRIPT} exited before it was ready`);
    const hello = JSON.parse(first.value) as { faiss: string; threads: number };
    return new FaissBaseline(child, lines, reader, dir, hello.faiss, hello.threads);
  }

  private async ask<T>(command: string): Promise<T> {
    this.child.stdin.write(`${command}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`${SCRIPT} exited on "${command}"`);
    return JSON.parse(line.value) as T;
  }

  /** FAISS's mean time per query over repeated searches lasting at least `seconds`. */
  async msPerQuery(seconds: number): Promise<number> {
    return (await this.ask<{ msPerQuery: number }>(`time ${seconds}`)).msPerQuery;
  }

  /** FAISS's top-1 row and float32 inner product per query. */
  answers(): Promise<{ index: number[]; score: number[] }> {
    return this.ask('answers');
  }

  close(): void {
    this.reader.close();
    this.child.stdin.end();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
