// Whole-system counts for the API's metrics gauges, one small indexed query each per scrape.
import type { DataSource } from 'typeorm';
import type { SystemCounts } from '../metrics/api-metrics';

async function countsBy(ds: DataSource, sql: string): Promise<Record<string, number>> {
  const rows = (await ds.query(sql)) as { key: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
}

export function systemCounts(ds: DataSource): SystemCounts {
  return {
    ordersByStatus: () => countsBy(ds, 'SELECT status AS key, count(*)::int AS n FROM orders GROUP BY status'),
    shardsByState: () =>
      countsBy(
        ds,
        `SELECT CASE WHEN state = 'ACTIVE' THEN 'active' WHEN failures > 0 THEN 'retrying' ELSE 'queued' END AS key, count(*)::int AS n
           FROM shard_jobs WHERE state IN ('QUEUED', 'ACTIVE') GROUP BY 1`,
      ),
    auditEntries: async () => {
      const [row] = (await ds.query('SELECT coalesce(max(seq), 0) AS n FROM audit_log')) as { n: string }[];
      return Number(row.n);
    },
  };
}
