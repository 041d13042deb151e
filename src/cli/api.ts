// The CLI's connection to the SynthBUS API: GraphQL over HTTP, subscriptions over graphql-ws.
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A failure the user can act on; `exitCode` 1 unless it is a usage error (2). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; reason?: string; field?: string } }[];
}

function describeErrors(errors: NonNullable<GraphQLResponse<unknown>['errors']>): string {
  return errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ''}`).join('; ');
}

/** graphql-ws close codes for a refused connection (4403: the server's onConnect said no). */
const AUTH_CLOSE_CODES = [4401, 4403];

function isCloseEvent(e: unknown): e is { code: number; reason: string } {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number';
}

export class ApiClient {
  constructor(
    /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
    readonly url: string,
    private readonly apiKey: string,
  ) {}

  /** Resolves a URL the API returned (possibly origin-relative) against the endpoint. */
  resolve(url: string): string {
    return new URL(url, this.url).toString();
  }

  authorization(): string {
    return `Bearer ${this.apiKey}`;
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: this.authorization() },
        body: JSON.stringify({ query, variables }),
      });
    } catch (e) {
      throw new CliError(`cannot reach the SynthBUS API at ${this.url}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    let body: GraphQLResponse<T>;
    try {
      body = (await res.json()) as GraphQLResponse<T>;
    } catch {
      throw new CliError(`the API at ${this.url} answered HTTP ${res.status} without a GraphQL response`);
    }
    if (body.errors?.length) throw new CliError(describeErrors(body.errors));
    if (!body.data) throw new CliError(`the API at ${this.url} answered HTTP ${res.status} with no data`);
    return body.data;
  }

  /** A graphql-ws client on the same endpoint (ws:// or wss://), authenticated like HTTP requests. */
  subscriptions(): Client {
    const wsUrl = this.url.replace(/^http/, 'ws');
    return createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: this.authorization() },
      retryAttempts: 5,
      // A refused key stays refused: fail at once instead of retrying for half a minute.
      shouldRetry: (e) => !(isCloseEvent(e) && AUTH_CLOSE_CODES.includes(e.code)),
      lazy: true,
    });
  }
}

/** Runs one subscription, calling `onData` per event until it returns true; resolves with that event. */
export function subscribeUntil<T>(client: Client, query: string, variables: Record<string, unknown>, onData: (data: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    let finished = false;
    const unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (msg) => {
          if (finished) return;
          if (msg.errors?.length) {
            finished = true;
            unsubscribe();
            return reject(new CliError(describeErrors(msg.errors as NonNullable<GraphQLResponse<unknown>['errors']>)));
          }
          try {
            if (msg.data && onData(msg.data)) {
              finished = true;
              unsubscribe();
              resolve(msg.data);
            }
          } catch (e) {
            finished = true;
            unsubscribe();
            reject(e);
          }
        },
        error: (e) => {
          if (finished) return;
          finished = true;
          const why = Array.isArray(e)
            ? describeErrors(e)
            : e instanceof Error
              ? e.message
              : isCloseEvent(e) && AUTH_CLOSE_CODES.includes(e.code)
                ? `the API refused the API key (WebSocket closed ${e.code} ${e.reason})`
                : `the connection closed${isCloseEvent(e) ? ` (${e.code} ${e.reason})` : ''}`;
          reject(new CliError(`progress subscription failed: ${why}`));
        },
        complete: () => {
          if (finished) return;
          finished = true;
          reject(new CliError('the API ended the progress subscription before the order finished'));
        },
      },
    );
  });
}
