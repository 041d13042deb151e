// Request counts per API key in a fixed window, shared by every API replica through the
// rate_limits table (rate-limiter-flexible's row format: key, points, expire in epoch ms), without
// a statement per request: a key's first request in a window asks the table, which holds the other
// replicas' counts; later ones are counted here, and one statement every `flushMs` adds them for
// every key and reads back the shared totals (issue 15: the counter's write was one of the read
// path's five round trips). One replica refuses exactly at the limit; replicas together may pass
// it by what the others counted in their last flushMs.
import type { Pool } from 'pg';

interface Window {
  /** When the window ends, epoch ms (the table's). */
  expire: number;
  /** The shared count as the table last answered, plus what this replica has flushed since. */
  total: number;
  /** Counted here, not yet written. */
  pending: number;
}

export interface Counted {
  refused: boolean;
  msBeforeNext: number;
}

// One statement for any number of keys; a row whose window ended starts a new one.
const ADD = `
  INSERT INTO rate_limits (key, points, expire)
  SELECT k, n, $3::bigint FROM unnest($1::text[], $2::int[]) AS t(k, n)
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN rate_limits.expire <= $4 THEN excluded.points ELSE rate_limits.points + excluded.points END,
    expire = CASE WHEN rate_limits.expire <= $4 THEN excluded.expire ELSE rate_limits.expire END
  RETURNING key, points, expire`;

export class KeyCounter {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly prefix: string,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly flushMs: number,
    /** A failed flush: the counts stay counted here, the other replicas miss them. */
    private readonly onFlushError: (e: Error) => void,
  ) {}

  /** Counts one request of key `id`, or refuses it when its window's allowance is used up. */
  async count(id: string): Promise<Counted> {
    const key = `${this.prefix}:${id}`;
    const now = Date.now();
    const w = this.windows.get(key);
    if (!w || w.expire <= now) {
      const [row] = await this.add([[key, 1]], now);
      return { refused: row.points > this.limit, msBeforeNext: row.expire - now };
    }
    if (w.total + w.pending >= this.limit) return { refused: true, msBeforeNext: w.expire - now };
    w.pending++;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flushing = this.flush();
    }, this.flushMs).unref();
    return { refused: false, msBeforeNext: w.expire - now };
  }

  /** Writes what was counted here; remembers the shared totals. */
  private async flush(): Promise<void> {
    const now = Date.now();
    const batch: [string, number][] = [];
    for (const [key, w] of this.windows) {
      if (w.expire <= now) this.windows.delete(key); // its unwritten counts belong to a window that is over
      else if (w.pending > 0) {
        batch.push([key, w.pending]);
        w.total += w.pending;
        w.pending = 0;
      }
    }
    if (batch.length === 0) return;
    await this.add(batch, now).catch((e: Error) => this.onFlushError(e));
  }

  private async add(rows: [string, number][], now: number): Promise<{ points: number; expire: number }[]> {
    const { rows: out } = await this.pool.query<{ key: string; points: number; expire: string }>(ADD, [rows.map((r) => r[0]), rows.map((r) => r[1]), now + this.windowMs, now]);
    return out.map((r) => {
      const expire = Number(r.expire);
      const w = this.windows.get(r.key);
      // Concurrent first requests of a key: keep what was counted here meanwhile.
      if (w && w.expire === expire) w.total = Math.max(w.total, r.points);
      else this.windows.set(r.key, { expire, total: r.points, pending: 0 });
      return { points: r.points, expire };
    });
  }

  /** Writes the last counts (shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush();
  }
}
