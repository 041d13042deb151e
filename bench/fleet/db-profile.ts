// Where the database time of a bench/fleet.ts run goes: pg_stat_statements (per statement: calls,
// server time; COMMIT included, so WAL flushes count) and samples of what the active backends wait
// for (pg_stat_activity every 50 ms: a lock, the WAL, I/O, or nothing, i.e. running).
import { Client } from 'pg';

/** A statement's first 45 and last 25 characters, whitespace collapsed (SQL over `query`). */
const SHORT_QUERY = `(SELECT CASE WHEN length(q) > 75 THEN left(q, 45) || '…' || right(q, 25) ELSE q END FROM (SELECT regexp_replace(query, '\\s+', ' ', 'g') AS q) x)`;

/** The same for a statement's text in JavaScript. */
export function shortQuery(query: string): string {
  const q = query.replace(/\s+/g, ' ').trim();
  return q.length > 75 ? `${q.slice(0, 45)}…${q.slice(-25)}` : q;
}

/** Loads pg_stat_statements into a server started with it in shared_preload_libraries. */
export async function enableStatements(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  } finally {
    await c.end();
  }
}

/** Asks the server to preload pg_stat_statements from its next start on (superuser). */
export async function preloadStatements(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  } finally {
    await c.end();
  }
}

export interface StatementCost {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
}

export interface DbProfile {
  statements: StatementCost[];
  /** Server time of every statement of the run, ms. */
  totalMs: number;
  /** Samples of active backends by "wait type:wait event" ("CPU:running" when not waiting). */
  waits: Map<string, number>;
  samples: number;
}

/** Resets the statistics and samples waits until stop(), which returns the run's profile. */
export async function profile(url: string): Promise<{ backendPid: number; stop(): Promise<DbProfile> }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const backendPid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  await c.query('SELECT pg_stat_statements_reset()');
  const waits = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await c.query<{ w: string; n: number }>(
        // A lock wait also names the statement that waits (its start and end: FOR UPDATE shows).
        `SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, 'running')
                || CASE WHEN wait_event_type = 'Lock' THEN ' (' || ${SHORT_QUERY} || ')' ELSE '' END AS w, count(*)::int AS n
           FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1`,
      );
      samples++;
      for (const r of rows) waits.set(r.w, (waits.get(r.w) ?? 0) + r.n);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    /** The sampler's own backend (not the product's work). */
    backendPid,
    async stop(): Promise<DbProfile> {
      sampling = false;
      await sampler;
      const { rows } = await c.query<{ query: string; calls: string; total: number; mean: number }>(
        `SELECT query, calls, total_exec_time AS total, mean_exec_time AS mean FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat%'
          ORDER BY total_exec_time DESC`,
      );
      await c.end();
      const statements = rows.map((r) => ({ query: shortQuery(r.query), calls: Number(r.calls), totalMs: r.total, meanMs: r.mean }));
      return { statements, totalMs: statements.reduce((a, s) => a + s.totalMs, 0), waits, samples };
    },
  };
}
