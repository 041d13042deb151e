// A dependency-free progress bar: redraws one line on a terminal; elsewhere (CI logs, pipes)
// prints a plain line at most every few seconds and at the end, so logs stay readable.

export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBar {
  update(done: number, total: number, note?: string): void;
  finish(note?: string): void;
}

const LINE_INTERVAL_MS = 2000;

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A rough time left for a progress line: "~45 s left", "~3 min left", "~2 h 5 min left"; '' when unknown. */
export function formatTimeLeft(seconds: number | null): string {
  if (seconds === null || seconds <= 0) return '';
  if (seconds < 60) return `~${Math.ceil(seconds)} s left`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `~${minutes} min left`;
  return `~${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''} left`;
}

/** `label [#####-----]  42% note` in at most `width` columns. */
export function renderBar(label: string, done: number, total: number, width: number, note = ''): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const barWidth = Math.max(10, Math.min(40, width - label.length - note.length - 10));
  const filled = Math.round(frac * barWidth);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${pct}${note ? ` ${note}` : ''}`;
}

export function progressBar(label: string, sink: ProgressSink, now: () => number = Date.now): ProgressBar {
  let lastLine = -Infinity;
  let last = '';
  const draw = (line: string, final: boolean): void => {
    if (sink.isTTY) {
      sink.write(`\r${line.padEnd(last.length)}${final ? '\n' : ''}`);
    } else if (final || now() - lastLine >= LINE_INTERVAL_MS) {
      sink.write(`${line}\n`);
      lastLine = now();
    }
    last = line;
  };
  let state = { done: 0, total: 0, note: '' };
  return {
    update(done, total, note = '') {
      state = { done, total, note };
      draw(renderBar(label, done, total, sink.columns ?? 80, note), false);
    },
    finish(note) {
      draw(renderBar(label, state.done, state.total, sink.columns ?? 80, note ?? state.note), true);
    },
  };
}
