// What every process's /readyz checks of the database: PostgreSQL answers (within 2 s), and every
// migration this code knows is applied.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';

// The committed migrations, as compiled beside this code (dist/) or as sources under ts-jest.
const MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'migrations');
const PROBE_TIMEOUT_MS = 2_000;

/** The timestamps of the migrations this code was built with (file names start with them). */
export function knownMigrations(): number[] {
  return readdirSync(MIGRATIONS_DIR)
    .map((f) => /^(\d+)-.*\.(ts|js)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && !m[0].endsWith('.d.ts'))
    .map((m) => Number(m[1]));
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Each check's verdict: 'ok', or what is wrong. */
export async function readiness(ds: DataSource, known: number[] = knownMigrations()): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {};
  try {
    const rows = (await withTimeout(ds.query('SELECT timestamp FROM migrations'), PROBE_TIMEOUT_MS)) as { timestamp: string }[];
    checks.database = 'ok';
    const applied = new Set(rows.map((r) => Number(r.timestamp)));
    const missing = known.filter((t) => !applied.has(t));
    checks.migrations = missing.length === 0 ? 'ok' : `not applied: ${missing.join(', ')} (run the migrations)`;
  } catch (e) {
    checks.database = `unreachable: ${(e as Error).message}`;
    checks.migrations = 'unknown (no database)';
  }
  return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
}
