// Hears revoked keys and suspended partners from every API process (PostgreSQL LISTEN on the
// access channel) so that this process can end the sockets they concern. A NOTIFY sent while the
// connection was down is lost, so after every reconnect `onResync` re-checks every open socket.
import { Client } from 'pg';
import { ACCESS_REVOKED_CHANNEL, AccessRevocation } from '../services/principal';

export interface RevocationHandlers {
  onRevoked(r: AccessRevocation): void;
  onResync(): void;
  log(line: string): void;
}

function parseRevocation(payload: string | undefined): AccessRevocation | null {
  try {
    const v = JSON.parse(payload ?? '') as Record<string, unknown>;
    if (typeof v.keyId === 'string') return { keyId: v.keyId };
    if (typeof v.partnerId === 'string' && (v.status === 'SUSPENDED' || v.status === 'REJECTED' || v.status === 'PENDING')) return { partnerId: v.partnerId, status: v.status };
  } catch {
    // not JSON: reported below
  }
  return null;
}

export class RevocationListener {
  private client: Client | null = null;
  private closed = false;
  private backoffMs = 200;

  constructor(
    private readonly url: string,
    private readonly handlers: RevocationHandlers,
  ) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      const r = msg.channel === ACCESS_REVOKED_CHANNEL ? parseRevocation(msg.payload) : null;
      if (r) this.handlers.onRevoked(r);
      else this.handlers.log(`access revocations: ignored payload ${JSON.stringify(msg.payload ?? null).slice(0, 200)}`);
    });
    const lost = (e: Error) => this.lost(client, e);
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${ACCESS_REVOKED_CHANNEL}`);
    this.client = client;
    this.backoffMs = 200;
  }

  private lost(dead: Client, e: Error): void {
    if (this.closed || this.client !== dead) return;
    this.client = null;
    this.handlers.log(`access revocations: lost the LISTEN connection (${e.message}); reconnecting`);
    dead.end().catch(() => undefined);
    const again = (): void => {
      if (this.closed) return;
      this.start().then(
        () => this.handlers.onResync(),
        () => {
          this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
          setTimeout(again, this.backoffMs);
        },
      );
    };
    setTimeout(again, this.backoffMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
