// Tells a transient database outage (server restarting, connection cut, refused) from a real
// error: callers retry the first and report the second.
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception) and the shutdown/startup states of class 57.
const TRANSIENT_SQLSTATES = /^(08...|57P01|57P02|57P03)$/;
// TypeORM's "Query runner already released": its connection died mid-transaction and was let go.
const CONNECTION_MESSAGES = /Query runner already released|Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect|terminating connection|is not currently accepting connections|the database system is (starting up|shutting down|in recovery mode)/i;

function causes(e: unknown): unknown[] {
  const seen: unknown[] = [];
  for (let c = e; c && typeof c === 'object' && seen.length < 8 && !seen.includes(c); ) {
    seen.push(c);
    const o = c as { driverError?: unknown; originalError?: unknown; cause?: unknown };
    c = o.driverError ?? o.originalError ?? o.cause;
  }
  return seen;
}

/** True when `e` (or what it wraps) says the database cannot be reached right now. */
export function isDatabaseUnavailable(e: unknown): boolean {
  return causes(e).some((c) => {
    const { code, message } = c as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || TRANSIENT_SQLSTATES.test(code))) return true;
    return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
  });
}
