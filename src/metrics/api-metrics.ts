// The API process's Prometheus metrics (prom-client), on a registry of its own. Counters count
// what this process saw; the order and shard gauges are read from PostgreSQL at each scrape, so
// every replica reports the same (whole-system) figures for them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the gauges read at scrape time: counts by state (missing states read 0). */
export interface SystemCounts {
  ordersByStatus(): Promise<Record<string, number>>;
  /** queued, retrying (queued after a failed run), active. */
  shardsByState(): Promise<Record<string, number>>;
  /** Entries in the audit chain so far (it is only ever appended to). */
  auditEntries(): Promise<number>;
}

export const ORDER_STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export const SHARD_STATES = ['queued', 'retrying', 'active'] as const;

/** Latency buckets (seconds) for GraphQL operations: 5 ms to 10 s. */
const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ApiMetrics {
  registry: Registry;
  operations: Counter<'operation' | 'type' | 'outcome'>;
  operationSeconds: Histogram<'operation' | 'type' | 'outcome'>;
  webSocketConnections: Gauge;
  subscriptions: Gauge;
  rateLimitRefusals: Counter<'limit'>;
}

function setAll(gauge: Gauge<string>, label: string, names: readonly string[], counts: Record<string, number>): void {
  for (const name of names) gauge.set({ [label]: name }, counts[name] ?? 0);
}

/** `onScrapeError` hears why a gauge could not be read (the gauge keeps its last value). */
export function createApiMetrics(counts: SystemCounts, onScrapeError: (e: Error) => void): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'synthbus_api_' });
  const registers = [registry];
  new Gauge({
    name: 'synthbus_orders',
    help: 'Orders by status, in the whole system (read from PostgreSQL at each scrape).',
    labelNames: ['status'],
    registers,
    async collect() {
      await counts.ordersByStatus().then((c) => setAll(this, 'status', ORDER_STATUSES, c), onScrapeError);
    },
  });
  new Gauge({
    name: 'synthbus_shards',
    help: 'Shard jobs by state, in the whole system: queued (never failed), retrying (queued again after a failed run), active (leased by a worker).',
    labelNames: ['state'],
    registers,
    async collect() {
      await counts.shardsByState().then((c) => setAll(this, 'state', SHARD_STATES, c), onScrapeError);
    },
  });
  let auditCounted = 0;
  new Counter({
    name: 'synthbus_audit_appends_total',
    help: 'Entries appended to the audit chain, by every process (read from PostgreSQL at each scrape: the chain only grows).',
    registers,
    async collect() {
      await counts.auditEntries().then((n) => {
        if (n > auditCounted) this.inc(n - auditCounted);
        auditCounted = Math.max(auditCounted, n);
      }, onScrapeError);
    },
  });
  return {
    registry,
    operations: new Counter({
      name: 'synthbus_graphql_operations_total',
      help: 'GraphQL operations by root field, type (query, mutation, subscription) and outcome (ok or the first error code), over HTTP and WebSocket.',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    }),
    operationSeconds: new Histogram({
      name: 'synthbus_graphql_operation_duration_seconds',
      help: 'Time from receiving a GraphQL query or mutation to its response, by root field, type and outcome.',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: OPERATION_BUCKETS,
      registers,
    }),
    webSocketConnections: new Gauge({ name: 'synthbus_websocket_connections', help: 'Open graphql-ws connections (accepted, not yet closed).', registers }),
    subscriptions: new Gauge({ name: 'synthbus_graphql_subscriptions_active', help: 'Running GraphQL subscriptions (orderProgress streams).', registers }),
    rateLimitRefusals: new Counter({
      name: 'synthbus_rate_limit_refusals_total',
      help: 'Requests refused with RATE_LIMITED, by limit: key (per API key), anonymous (per address, no key), failed_auth (per address, after bad keys).',
      labelNames: ['limit'],
      registers,
    }),
  };
}
