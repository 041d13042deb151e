// The log's shape and its secret scrubbing, on lines collected from a real pino logger.
import { loadConfig } from '../../src/config';
import { createLogger, lineLog, plainLine, scrub } from '../../src/log/logger';

function collecting(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (l: string) => void lines.push(l) } });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const KEY = 'sbk_' + 'Ab1-_'.repeat(8) + 'xyz';
const TOKEN = 'v1.' + 'eyJvcmRlciI6IjEyMyJ9abcdef' + '.' + 'c2lnbmF0dXJlLXNpZ25hdHVyZQ';

test('each line is one JSON object with level, ISO time and msg; bindings ride along', () => {
  const { logger, parsed } = collecting();
  logger.child({ requestId: 'r-1' }).warn({ status: 429 }, 'refused');
  const [line] = parsed();
  expect(line).toMatchObject({ level: 'warn', requestId: 'r-1', status: 429, msg: 'refused' });
  expect(new Date(line.time as string).toISOString()).toBe(line.time);
});

test('levels below the configured one are not written', () => {
  const { logger, lines } = collecting('info');
  logger.debug('hidden');
  logger.info('shown');
  expect(lines).toHaveLength(1);
});

test('secret fields are censored by name, and secret-shaped text anywhere is scrubbed', () => {
  const { logger, lines } = collecting();
  logger.info({ authorization: `Bearer ${KEY}`, headers: { authorization: 'anything' }, secret: 'plain', linkSecret: 'plain2', s3: { secretAccessKey: 'plain3' }, db: 'postgres://app:hunter2@db:5432/x' }, `issued ${KEY} and link /downloads/${TOKEN}`);
  logger.error({ err: new Error(`bad key ${KEY}`) }, 'failed');
  const text = lines.join('');
  for (const secret of [KEY, TOKEN, 'hunter2', 'plain', 'plain2', 'plain3', 'anything']) expect(text).not.toContain(secret);
  expect(text).toContain('postgres://app:[redacted]@db:5432/x');
  // The error's message survives, scrubbed.
  expect(JSON.parse(lines[1]).err.message).toBe('bad key sbk_[redacted]');
});

test('scrub leaves ordinary text alone', () => {
  expect(scrub('order 5 shard 0: handed back (v1.2 engine)')).toBe('order 5 shard 0: handed back (v1.2 engine)');
  expect(scrub('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]');
});

test('lineLog writes lines that report trouble at warn, others at the given level', () => {
  const { logger, parsed } = collecting();
  const log = lineLog(logger);
  log('execution provider: cpu');
  log('warning: cuda gives batch-dependent results');
  log('storage unavailable, retrying in 2 s: ENOSPC');
  log('leases: heartbeat or reaping failed (timeout); retrying');
  log('worker w: database reachable again');
  lineLog(logger, 'error')('internal error: could not x');
  expect(parsed().map((p) => p.level)).toEqual(['info', 'warn', 'warn', 'warn', 'info', 'error']);
});

test('lineLog lifts "order <id>" into orderId', () => {
  const { logger, parsed } = collecting();
  const id = '0b7e1f0e-4a1c-4c55-9d6e-3f6f5b0c2a11';
  lineLog(logger)(`lease lapsed: order ${id} shard 2 taken from worker w and queued again`);
  lineLog(logger)(`order events: resync of ${id} failed: timeout`);
  lineLog(logger, 'warn')('no order here');
  lineLog(logger)(`webhook delivery ${id}: refused`);
  expect(parsed().map((p) => p.orderId)).toEqual([id, id, undefined, undefined]);
  expect(parsed()[2]).toMatchObject({ level: 'warn', msg: 'no order here' });
});

test('SYNTHBUS_LOG_LEVEL sets the level (info by default); an unknown one is refused by name', () => {
  expect(loadConfig({}).logLevel).toBe('info');
  expect(loadConfig({ SYNTHBUS_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  expect(() => loadConfig({ SYNTHBUS_LOG_LEVEL: 'verbose' })).toThrow('SYNTHBUS_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"');
  expect(loadConfig({}).workerPort).toBe(4001);
  expect(() => loadConfig({ SYNTHBUS_WORKER_PORT: '70000' })).toThrow('SYNTHBUS_WORKER_PORT must be an integer from 0 to 65535');
});

test('the plain format: time, level, message, then the other fields as key=value', () => {
  const { logger, lines } = collecting();
  logger.child({ requestId: 'r-9' }).warn({ status: 429, detail: { a: 1 } }, `refused ${KEY}`);
  expect(plainLine(lines[0])).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  refused sbk_\[redacted\] requestId=r-9 status=429 detail=\{"a":1\}\n$/);
});

test('SYNTHBUS_LOG_FORMAT is json, plain or auto (the default: plain on a terminal)', () => {
  expect(loadConfig({}).logFormat).toBe('auto');
  expect(loadConfig({ SYNTHBUS_LOG_FORMAT: 'plain' }).logFormat).toBe('plain');
  expect(() => loadConfig({ SYNTHBUS_LOG_FORMAT: 'pretty' })).toThrow('SYNTHBUS_LOG_FORMAT must be json, plain or auto, got "pretty"');
});

test('format plain writes those lines to stdout', () => {
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    createLogger({ level: 'info', format: 'plain' }).info({ orderId: 'o-1' }, 'hello');
    expect(spy).toHaveBeenCalledWith(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO  hello orderId=o-1\n$/));
  } finally {
    spy.mockRestore();
  }
});
