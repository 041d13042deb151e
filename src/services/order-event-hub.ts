// One LISTEN connection per process (API or worker) fans order events out to its subscribers. Events come
// from any process (workers, other API replicas) through PostgreSQL NOTIFY. When the connection
// drops, the hub reconnects with backoff and then calls `onResync` for every watched order, so
// that the state missed meanwhile is re-read and published. It is type-graphql's PubSub, with
// the order id as the routing key.
// The loss is logged once it is known how it ended (reconnected, or still down at the longest
// backoff), never at the moment it happens: on a clean shutdown the database often goes first
// (Ctrl-C reaches the embedded PostgreSQL too), and close() follows before any retry succeeds.
import { Client } from 'pg';
import type { PubSub } from 'type-graphql';
import type { OrderEvent } from '../domain/order';
import type { DataSource } from 'typeorm';
import { ORDER_EVENTS_CHANNEL, orderProgress } from './order-events';

type Listener = (e: OrderEvent) => void;

export class OrderEventHub implements PubSub {
  private client: Client | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;
  private retryMs = 200;
  private static readonly MAX_RETRY_MS = 10_000;

  /** `ds` re-reads an order's state after a reconnect; `url` is the LISTEN connection's. */
  constructor(
    private readonly url: string,
    private readonly ds: DataSource,
    private readonly log: (line: string) => void,
  ) {}

  /** Publishes the order's stored state as a SNAPSHOT: what its subscribers missed while disconnected. */
  async onResync(orderId: string): Promise<void> {
    const p = await orderProgress(this.ds, orderId);
    if (p) this.publish(orderId, { ...p, type: 'SNAPSHOT', at: new Date().toISOString() });
  }

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      if (msg.channel !== ORDER_EVENTS_CHANNEL || !msg.payload) return;
      let event: OrderEvent;
      try {
        event = JSON.parse(msg.payload) as OrderEvent;
      } catch {
        return this.log('order events: ignored a payload that is not JSON');
      }
      this.publish(event.orderId, event);
    });
    client.on('error', (e) => this.reconnect(client, e));
    client.on('end', () => this.reconnect(client, new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${ORDER_EVENTS_CHANNEL}`);
    if (this.closed) return void (await client.end()); // close() came while connecting
    this.client = client;
    this.retryMs = 200;
  }

  private reconnect(dead: Client, e: Error): void {
    if (this.closed || this.client !== dead) return;
    this.client = null;
    dead.end().catch(() => undefined);
    const lostAt = Date.now();
    const lost = () => `order events: lost the LISTEN connection (${e.message}) ${((Date.now() - lostAt) / 1000).toFixed(1)} s ago`;
    let warned = false;
    const retry = () => {
      if (this.closed) return;
      this.start().then(
        () => {
          if (this.closed) return;
          this.log(`${lost()}; reconnected, resyncing ${this.listeners.size} watched order(s)`);
          for (const orderId of this.listeners.keys()) {
            this.onResync(orderId).catch((err: Error) => this.log(`order events: resync of ${orderId} failed: ${err.message}`));
          }
        },
        () => {
          if (this.closed) return;
          this.retryMs = Math.min(this.retryMs * 2, OrderEventHub.MAX_RETRY_MS);
          if (this.retryMs === OrderEventHub.MAX_RETRY_MS && !warned) {
            warned = true;
            this.log(`${lost()}; still reconnecting, every ${OrderEventHub.MAX_RETRY_MS / 1000} s`);
          }
          setTimeout(retry, this.retryMs);
        },
      );
    };
    setTimeout(retry, this.retryMs);
  }

  /** Delivers an event to this process's subscribers of the order. */
  publish(orderId: string, event: OrderEvent): void {
    for (const l of this.listeners.get(orderId) ?? []) l(event);
  }

  /**
   * Events of one order, from this call on (listening starts at once, before the first next()).
   * return() stops listening.
   */
  subscribe(orderId: string): AsyncIterableIterator<OrderEvent> {
    const queue: OrderEvent[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    const listener: Listener = (e) => {
      queue.push(e);
      wake?.();
    };
    let set = this.listeners.get(orderId);
    if (!set) this.listeners.set(orderId, (set = new Set()));
    set.add(listener);
    const stop = () => {
      done = true;
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(orderId) === set) this.listeners.delete(orderId);
      wake?.();
    };
    const it: AsyncIterableIterator<OrderEvent> = {
      next: async () => {
        while (!queue.length && !done) await new Promise<void>((r) => (wake = r));
        wake = null;
        return done ? { value: undefined, done: true } : { value: queue.shift() as OrderEvent, done: false };
      },
      return: async () => {
        stop();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  /** Test hook and operations aid: the backend pid of the LISTEN connection. */
  async backendPid(): Promise<number | null> {
    if (!this.client) return null;
    const { rows } = await this.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return rows[0].pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    this.listeners.clear();
    if (c) await c.end().catch(() => undefined);
  }
}
