// One PostgreSQL LISTEN connection that outlives the database: when it drops it reconnects with
// backoff (200 ms doubling to 10 s) and then tells its owner, who re-reads what it watches (a
// NOTIFY sent while the connection was down is lost). The loss is logged once it is known how it
// ended (reconnected, or still down at the longest backoff), never at the moment it happens: on a
// clean shutdown the database often goes first (Ctrl-C reaches the embedded PostgreSQL too), and
// close() follows before any retry succeeds.
import { Client } from 'pg';

export interface ListenOptions {
  url: string;
  channel: string;
  /** Names the connection in log lines ("order events"). */
  name: string;
  onNotification(payload: string | undefined): void;
  /** After a reconnect; returns what it does about the missed NOTIFYs, for the log line. */
  onReconnected(): string;
  /** At the moment the connection drops (NOTIFYs are missed from now on). */
  onLost?(): void;
  log(line: string): void;
}

const MAX_RETRY_MS = 10_000;

export class ListenConnection {
  private client: Client | null = null;
  private closed = false;
  private retryMs = 200;

  constructor(private readonly o: ListenOptions) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.o.url });
    client.on('notification', (msg) => {
      if (msg.channel === this.o.channel) this.o.onNotification(msg.payload);
    });
    client.on('error', (e) => this.reconnect(client, e));
    client.on('end', () => this.reconnect(client, new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${this.o.channel}`);
    if (this.closed) return void (await client.end()); // close() came while connecting
    this.client = client;
    this.retryMs = 200;
  }

  private reconnect(dead: Client, e: Error): void {
    if (this.closed || this.client !== dead) return;
    this.client = null;
    dead.end().catch(() => undefined);
    this.o.onLost?.();
    const lostAt = Date.now();
    const lost = () => `${this.o.name}: lost the LISTEN connection (${e.message}) ${((Date.now() - lostAt) / 1000).toFixed(1)} s ago`;
    let warned = false;
    const retry = () => {
      if (this.closed) return;
      this.start().then(
        () => {
          if (!this.closed) this.o.log(`${lost()}; reconnected, ${this.o.onReconnected()}`);
        },
        () => {
          if (this.closed) return;
          this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
          if (this.retryMs === MAX_RETRY_MS && !warned) {
            warned = true;
            this.o.log(`${lost()}; still reconnecting, every ${MAX_RETRY_MS / 1000} s`);
          }
          setTimeout(retry, this.retryMs);
        },
      );
    };
    setTimeout(retry, this.retryMs);
  }

  /** The backend pid of the connection; null while it is down. */
  async backendPid(): Promise<number | null> {
    if (!this.client) return null;
    const { rows } = await this.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return rows[0].pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
