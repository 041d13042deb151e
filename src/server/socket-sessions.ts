// Who is behind each open WebSocket, so that a revoked key or a suspended partner loses its open
// sockets at once rather than at its next connect: running subscriptions end with an error the
// client reads, then the socket closes.
import type { GraphQLError } from 'graphql';
import { AppError, forbidden, unauthenticated } from '../services/errors';
import { AccessRevocation, Principal, concerns } from '../services/principal';

/** graphql-ws sends the error before the close; this leaves the error frames time to go out. */
const CLOSE_AFTER_MS = 100;
/** The close code graphql-ws itself uses for Forbidden. */
const CLOSE_FORBIDDEN = 4403;

export class SocketSession {
  principal: Principal | null = null;
  private fail!: (e: GraphQLError) => void;
  private endedWith: GraphQLError | null = null;
  /** Rejects with the reason once access ends; every running subscription of the socket races it. */
  readonly ended: Promise<never>;

  constructor(
    /** The Authorization value given at connect, re-checked on every operation. */
    readonly authorization: string | null,
    readonly ip: string,
    private readonly close: (code: number, reason: string) => void,
  ) {
    this.ended = new Promise<never>((_, reject) => (this.fail = reject));
    // Sockets without a running subscription never race it: not an unhandled rejection.
    this.ended.catch(() => undefined);
  }

  get isEnded(): boolean {
    return this.endedWith !== null;
  }

  end(error: GraphQLError): void {
    if (this.endedWith) return;
    this.endedWith = error;
    this.fail(error);
    // A close reason is at most 123 bytes.
    setTimeout(() => this.close(CLOSE_FORBIDDEN, Buffer.from(error.message).subarray(0, 120).toString()), CLOSE_AFTER_MS);
  }
}

function revocationError(r: AccessRevocation): AppError {
  if ('keyId' in r) return unauthenticated('REVOKED_API_KEY', 'This API key was revoked; this WebSocket closes now.');
  return forbidden(`PARTNER_${r.status}`, `Your partner account is ${r.status.toLowerCase()}; this WebSocket closes now.`);
}

export class SocketSessions {
  private readonly open = new Set<SocketSession>();

  add(s: SocketSession): void {
    this.open.add(s);
  }

  delete(s: SocketSession): void {
    this.open.delete(s);
  }

  /** Ends every socket whose caller the revocation concerns. */
  revoke(r: AccessRevocation): void {
    for (const s of this.open) if (s.principal && concerns(r, s.principal)) s.end(revocationError(r));
  }

  /** Re-authenticates every socket (after missed revocations) and ends those that lost access. */
  async recheck(authenticate: (s: SocketSession) => Promise<Principal | null>): Promise<void> {
    await Promise.all(
      [...this.open].map(async (s) => {
        if (!s.principal) return;
        try {
          const p = await authenticate(s);
          if (p?.partnerStatus === 'SUSPENDED' || p?.partnerStatus === 'REJECTED') s.end(revocationError({ partnerId: p.partnerId as string, status: p.partnerStatus }));
          else s.principal = p;
        } catch (e) {
          if (e instanceof AppError) s.end(e);
        }
      }),
    );
  }
}

/**
 * The subscription's results until the socket's access ends; then its source is stopped and
 * next() rejects with the reason, which graphql-ws sends to the client as an `error` message.
 * A hand-written iterator, not an async generator: return() must work while next() waits.
 */
export function untilEnded<T>(source: AsyncIterable<T>, ended: Promise<never>): AsyncIterableIterator<T> {
  const it = source[Symbol.asyncIterator]();
  const stop = async (): Promise<IteratorResult<T>> => (await it.return?.()) ?? { done: true, value: undefined };
  const wrapped: AsyncIterableIterator<T> = {
    next: () =>
      Promise.race([it.next(), ended]).catch((e: unknown) => {
        // Not awaited: a source that is an async generator waiting for its next event finishes
        // return() only after that event; the client must hear the reason now.
        stop().catch(() => undefined);
        throw e;
      }),
    return: stop,
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}
