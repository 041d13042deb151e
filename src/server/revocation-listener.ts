// Hears revoked keys and suspended partners from every API process (PostgreSQL LISTEN on the
// access channel) so that this process can end the sockets they concern. A NOTIFY sent while the
// connection was down is lost, so after every reconnect (db/listen-connection) `onResync`
// re-checks every open socket.
import { ListenConnection } from '../db/listen-connection';
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
  private readonly connection: ListenConnection;

  constructor(url: string, handlers: RevocationHandlers) {
    this.connection = new ListenConnection({
      url,
      channel: ACCESS_REVOKED_CHANNEL,
      name: 'access revocations',
      onNotification: (payload) => {
        const r = parseRevocation(payload);
        if (r) handlers.onRevoked(r);
        else handlers.log(`access revocations: ignored payload ${JSON.stringify(payload ?? null).slice(0, 200)}`);
      },
      onReconnected: () => {
        handlers.onResync();
        return 're-checking every open socket';
      },
      log: handlers.log,
    });
  }

  start(): Promise<void> {
    return this.connection.start();
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
