// One LISTEN connection per process (API or worker) fans order events out to its subscribers. Events come
// from any process (workers, other API replicas) through PostgreSQL NOTIFY. When the connection
// drops, it reconnects (db/listen-connection) and the hub calls `onResync` for every watched
// order, so that the state missed meanwhile is re-read and published. It is type-graphql's
// PubSub, with the order id as the routing key.
import { ListenConnection } from '../db/listen-connection';
import type { PubSub } from 'type-graphql';
import type { OrderEvent } from '../domain/order';
import type { DataSource } from 'typeorm';
import { ORDER_EVENTS_CHANNEL, orderProgress } from './order-events';

type Listener = (e: OrderEvent) => void;

export class OrderEventHub implements PubSub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly connection: ListenConnection;

  /** `ds` re-reads an order's state after a reconnect; `url` is the LISTEN connection's. */
  constructor(
    url: string,
    private readonly ds: DataSource,
    private readonly log: (line: string) => void,
  ) {
    this.connection = new ListenConnection({ url, channel: ORDER_EVENTS_CHANNEL, name: 'order events', onNotification: (p) => this.heard(p), onReconnected: () => this.resyncAll(), log });
  }

  /** Publishes the order's stored state as a SNAPSHOT: what its subscribers missed while disconnected. */
  async onResync(orderId: string): Promise<void> {
    const p = await orderProgress(this.ds, orderId);
    if (p) this.publish(orderId, { ...p, type: 'SNAPSHOT', at: new Date().toISOString() });
  }

  async start(): Promise<void> {
    await this.connection.start();
  }

  /** An event heard on the channel (from any process), to this process's subscribers. */
  private heard(payload: string | undefined): void {
    if (!payload) return;
    let event: OrderEvent;
    try {
      event = JSON.parse(payload) as OrderEvent;
    } catch {
      return this.log('order events: ignored a payload that is not JSON');
    }
    this.publish(event.orderId, event);
  }

  /** Re-reads every watched order after a reconnect; says so for the log line. */
  private resyncAll(): string {
    for (const orderId of this.listeners.keys()) {
      this.onResync(orderId).catch((err: Error) => this.log(`order events: resync of ${orderId} failed: ${err.message}`));
    }
    return `resyncing ${this.listeners.size} watched order(s)`;
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
  backendPid(): Promise<number | null> {
    return this.connection.backendPid();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.connection.close();
  }
}
