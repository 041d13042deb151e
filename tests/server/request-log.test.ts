// The request log and the operation lines, on a real local express server and real GraphQL errors.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { GraphQLError, parse } from 'graphql';
import { createLogger } from '../../src/log/logger';
import { createApiMetrics } from '../../src/metrics/api-metrics';
import { OperationTelemetry } from '../../src/server/operation-telemetry';
import { requestLogging } from '../../src/server/request-log';

function collecting() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (l: string) => void lines.push(l) } });
  return { logger, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('each HTTP request is one line with its request id; 5xx at error, probes at debug', async () => {
  const { logger, parsed } = collecting();
  const app = express();
  app.use(requestLogging(logger));
  app.get('/readyz', (_req, res) => void res.json({ ok: true }));
  app.get('/boom', (_req, res) => void res.status(500).json({}));
  app.get('/fine', (_req, res) => void res.json({}));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const ids = [];
    for (const path of ['/readyz', '/boom', '/fine']) {
      const res = await fetch(base + path);
      await res.text();
      ids.push(res.headers.get('x-request-id'));
    }
    await new Promise((r) => setImmediate(r));
    expect(parsed().map((p) => [p.level, p.path, p.status, p.requestId])).toEqual([
      ['debug', '/readyz', 200, ids[0]],
      ['error', '/boom', 500, ids[1]],
      ['info', '/fine', 200, ids[2]],
    ]);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test("an operation's line: its root field, outcome and order id; an internal error at error level", () => {
  const { logger, parsed } = collecting();
  const counts = { ordersByStatus: async () => ({}), shardsByState: async () => ({}), auditEntries: async () => 0 };
  const telemetry = new OperationTelemetry(createApiMetrics(counts, () => undefined), logger);
  const doc = parse('subscription($id: ID!) { orderProgress(orderId: $id) { type } }');
  telemetry.socketOperation({ variables: { id: 'o-1' } }, doc);
  telemetry.socketOperation({ variables: { id: 'o-1' } }, doc, [new GraphQLError('boom')]);
  telemetry.socketOperation({}, null, [new GraphQLError('slow down', { extensions: { code: 'RATE_LIMITED' } })]);
  expect(parsed().map((p) => [p.level, p.operation, p.type, p.outcome, p.orderId])).toEqual([
    ['info', 'orderProgress', 'subscription', 'ok', 'o-1'],
    ['error', 'orderProgress', 'subscription', 'INTERNAL_SERVER_ERROR', 'o-1'],
    ['info', 'unknown', 'unknown', 'RATE_LIMITED', undefined],
  ]);
});
