// What bench/fleet.ts asks the API, over real HTTP and WebSocket: a partner with an orders key,
// an order, and its progress stream until the order ends.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}, key?: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** apply → approve (admin) → accept the agreement → a key with the ORDERS_* scopes. */
export async function partnerKey(url: string, adminKey: string): Promise<string> {
  const { apply } = await gql<{ apply: { partner: { id: string }; secret: string } }>(
    url,
    'mutation($i: ApplyInput!) { apply(input: $i) { partner { id } secret } }',
    { i: { name: 'Bench Hospital', institution: 'Bench Hospital Research', contactEmail: 'bench@example.org', purpose: 'Measuring the fleet benchmark.' } },
  );
  await gql(url, 'mutation($id: ID!) { approvePartner(id: $id) { status } }', { id: apply.partner.id }, adminKey);
  const { currentAgreement } = await gql<{ currentAgreement: { version: number } }>(url, '{ currentAgreement { version } }');
  await gql(url, 'mutation($v: Int!) { acceptAgreement(version: $v) { agreementVersion } }', { v: currentAgreement.version }, apply.secret);
  const { issueApiKey } = await gql<{ issueApiKey: { secret: string } }>(url, 'mutation { issueApiKey(name: "bench", scopes: [ORDERS_READ, ORDERS_WRITE]) { secret } }', {}, apply.secret);
  return issueApiKey.secret;
}

export interface OrderEnd {
  status: string;
  delivered: number;
  failureReason: string | null;
  /** Events heard, the SNAPSHOT included. */
  events: number;
}

/** Follows orderProgress until the order ends. */
export function orderEnd(wsUrl: string, key: string, orderId: string): Promise<OrderEnd> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  let events = 0;
  let last: OrderEnd | null = null;
  return new Promise((resolve, reject) => {
    client.subscribe<{ orderProgress: { status: string; delivered: number; failureReason: string | null } }>(
      { query: 'subscription($id: ID!) { orderProgress(orderId: $id) { status delivered failureReason } }', variables: { id: orderId } },
      {
        next: (msg) => {
          events++;
          if (msg.data) last = { ...msg.data.orderProgress, events };
        },
        error: (e) => {
          void client.dispose();
          reject(e instanceof Error ? e : new Error(`subscription failed: ${JSON.stringify(e)}`));
        },
        complete: () => {
          void client.dispose();
          if (last) resolve(last);
          else reject(new Error('the subscription ended without an event'));
        },
      },
    );
  });
}
