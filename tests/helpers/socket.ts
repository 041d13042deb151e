// graphql-ws sockets for tests that watch what happens to an open socket (revocations, role
// changes): open one with a key, run operations over it, follow an order's progress on it.
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export type Result = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

export interface Closed {
  code: number;
  reason: string;
  /** performance.now() when it closed. */
  at: number;
}

export interface Socket {
  client: Client;
  closed: Promise<Closed>;
}

/** A connected socket (no retries: a close is what these tests wait for, not an error to print). */
export function openSocket(url: string, key: string | null): Socket {
  let onClosed!: (c: Closed) => void;
  const closed = new Promise<Closed>((r) => (onClosed = r));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: { closed: (e) => onClosed({ code: (e as { code: number }).code, reason: (e as { reason: string }).reason, at: performance.now() }) },
  });
  return { client, closed };
}

/** The errors of an `error` message, or the close that ended the operation as one error. */
function errorsOf(e: unknown): Result['errors'] {
  return Array.isArray(e) ? (e as Result['errors']) : [{ message: String((e as { reason?: string }).reason ?? e) }];
}

/** One query or mutation over the socket: its result, or the errors of an `error` message. */
export function execute(s: Socket, query: string, variables: Record<string, unknown> = {}): Promise<Result> {
  return new Promise((resolve) => {
    let result: Result = {};
    s.client.subscribe(
      { query, variables },
      {
        next: (r) => (result = r as Result),
        error: (e) => resolve({ errors: errorsOf(e) }),
        complete: () => resolve(result),
      },
    );
  });
}

/** A running orderProgress subscription: the event types seen, its snapshot, and how it ended. */
export function follow(s: Socket, orderId: string) {
  const events: string[] = [];
  let started!: () => void;
  const snapshot = new Promise<void>((r) => (started = r));
  const ended = new Promise<{ error?: Result['errors']; at: number }>((resolve) => {
    s.client.subscribe(
      { query: `subscription($id: ID!) { orderProgress(orderId: $id) { type status } }`, variables: { id: orderId } },
      {
        next: (r) => {
          events.push(String((r.data?.orderProgress as { type: string } | undefined)?.type));
          started();
        },
        error: (e) => resolve({ error: errorsOf(e), at: performance.now() }),
        complete: () => resolve({ at: performance.now() }),
      },
    );
  });
  return { events, snapshot, ended };
}
