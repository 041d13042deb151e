// Hears revoked keys, suspended partners and other access changes from every API process
// (PostgreSQL LISTEN on the access channel) so that this process can end the sockets they concern
// and forget the principals it cached. A NOTIFY sent while the connection was down is lost:
// `onLost` says when it drops, and after every reconnect (db/listen-connection) `onResync`
// re-checks every open socket.
import { ListenConnection } from '../db/listen-connection';
import { ACCESS_REVOKED_CHANNEL, AccessChange, AccessRevocation } from '../services/principal';

export interface RevocationHandlers {
  onRevoked(r: AccessRevocation): void;
  /** A change that keeps access (a new role, an approval). */
  onChanged(c: AccessChange): void;
  onLost(): void;
  onResync(): void;
  log(line: string): void;
}

type Heard = { revoked: AccessRevocation } | { changed: AccessChange };

function parse(payload: string | undefined): Heard | null {
  try {
    const v = JSON.parse(payload ?? '') as Record<string, unknown>;
    if (typeof v.keyId === 'string') return { revoked: { keyId: v.keyId } };
    if (typeof v.partnerId === 'string' && (v.status === 'SUSPENDED' || v.status === 'REJECTED' || v.status === 'PENDING')) return { revoked: { partnerId: v.partnerId, status: v.status } };
    const c = v.changed as Record<string, unknown> | undefined;
    if (typeof c?.memberId === 'string') return { changed: { memberId: c.memberId } };
    if (typeof c?.partnerId === 'string') return { changed: { partnerId: c.partnerId } };
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
        const heard = parse(payload);
        if (!heard) handlers.log(`access revocations: ignored payload ${JSON.stringify(payload ?? null).slice(0, 200)}`);
        else if ('revoked' in heard) handlers.onRevoked(heard.revoked);
        else handlers.onChanged(heard.changed);
      },
      onLost: handlers.onLost,
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
