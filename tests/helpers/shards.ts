// A worker records its shard DONE just after the order's last event is out: tests that check the
// shard rows wait for that first.

export interface ShardRow {
  state: string;
  failures: number;
  last_error: string | null;
}

/** The order's shards (state, failures, last_error) once none is ACTIVE, waiting up to 10 s. */
export async function settledShards(query: (sql: string, params: unknown[]) => Promise<unknown>, orderId: string): Promise<ShardRow[]> {
  const end = Date.now() + 10_000;
  for (;;) {
    const rows = (await query('SELECT state, failures, last_error FROM shard_jobs WHERE order_id = $1 ORDER BY shard', [orderId])) as ShardRow[];
    if (!rows.some((r) => r.state === 'ACTIVE') || Date.now() > end) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
}
