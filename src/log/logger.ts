// The processes' log: JSON lines (pino), one object per line with `level`, `time` and `msg`, plus
// the bindings of child loggers (requestId, orderId, workerId). Secrets are kept out twice over:
// fields that hold them are censored by name, and every string is scrubbed of anything shaped like
// an API key, a download-link token or a password inside a URL, whatever field or message it is in.
import pino from 'pino';

import type { LogFormat, LogLevel } from './levels';

export type Logger = pino.Logger;

export const REDACTED = '[redacted]';

/** Field names that only ever hold secrets, at the top level or one object down. */
const SECRET_FIELDS = ['authorization', 'secret', 'token', 'passphrase', 'password', 'linkSecret', 'signingKeyPassphrase', 'databaseUrl', 'appDatabaseUrl', 'secretAccessKey'];

const SECRET_PATTERNS: [RegExp, string][] = [
  // API keys: "sbk_" + 43 base64url characters (services/api-keys.ts).
  [/sbk_[A-Za-z0-9_-]{8,}/g, `sbk_${REDACTED}`],
  // Download-link tokens: v1.<claims>.<mac> (delivery/links.ts).
  [/\bv1\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g, REDACTED],
  // user:password@ in a URL (database URLs).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, `$1:${REDACTED}@`],
  // Bearer credentials quoted in a message (an Authorization header's value).
  [/\bBearer\s+\S+/gi, `Bearer ${REDACTED}`],
];

/** `text` with every secret-shaped part replaced. */
export function scrub(text: string): string {
  return SECRET_PATTERNS.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

function scrubValues(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  // An Error's message and stack are not enumerable: copied out here, or they would be lost.
  if (value instanceof Error) return { type: value.name, message: scrub(value.message), stack: value.stack === undefined ? undefined : scrub(value.stack) };
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValues(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValues(v, depth + 1)]));
}

export interface LoggerOptions {
  level: LogLevel;
  /** json (default) or plain; auto: plain when stdout is a terminal. */
  format?: LogFormat;
  /** Where the lines go; stdout when omitted. Anything with write(line) (tests collect lines). */
  destination?: pino.DestinationStream;
}

/** A JSON line as a person reads it: "12:00:01.250 INFO  message key=value …" (already scrubbed). */
export function plainLine(json: string): string {
  const { time, level, msg, ...rest } = JSON.parse(json) as Record<string, unknown>;
  const fields = Object.entries(rest).map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${String(time).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? '')}${fields.join('')}\n`;
}

function plainStdout(): pino.DestinationStream {
  return { write: (line: string) => void process.stdout.write(plainLine(line)) };
}

export function createLogger({ level, format = 'json', destination }: LoggerOptions): Logger {
  const plain = format === 'plain' || (format === 'auto' && process.stdout.isTTY === true);
  return pino(
    {
      level,
      base: undefined, // no pid/hostname on every line: workerId names the process where it matters
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubValues(object) as Record<string, unknown>,
      },
      redact: { paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: REDACTED },
      hooks: {
        // Messages (and their printf arguments) are scrubbed like fields.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination ?? (plain ? plainStdout() : pino.destination({ dest: 1, sync: true })),
  );
}

export type LineLog = (line: string) => void;

/** `log` if it is a Logger; else a Logger that hands each line's message to the callback (tests read text). */
export function asLogger(log: Logger | LineLog): Logger {
  if (typeof log !== 'function') return log;
  return createLogger({ level: 'info', destination: { write: (line: string) => log(String((JSON.parse(line) as { msg?: unknown }).msg ?? '')) } });
}

/** A logger that writes nothing (library defaults, tests that do not read the log). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

// "order <id>", or an id a few words after "order" ("order events: resync of <id> failed").
const ORDER_IN_TEXT = /\border\b.{0,40}?\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;

/** Words of a line that reports trouble (a fault, a retry, a fallback): written at warn at least. */
const TROUBLE = /^warning\b|\b(failed|fails|could not|cannot|lost|lapsed|not signed|retrying|will retry|giving up|unavailable|ignored|broken)\b/i;

/**
 * The one-line callback that lower modules take (db, services, privacy, onnx), writing to `logger`.
 * Those modules name an order in their text ("order <id>"); the id is lifted into `orderId`, so
 * that every line about an order can be found by its id. A line that reports trouble is a warning.
 */
export function lineLog(logger: Logger, level: 'info' | 'warn' | 'error' = 'info'): LineLog {
  return (line) => {
    const at = level === 'info' && TROUBLE.test(line) ? 'warn' : level;
    const orderId = ORDER_IN_TEXT.exec(line)?.[1];
    if (orderId) logger[at]({ orderId }, line);
    else logger[at](line);
  };
}
