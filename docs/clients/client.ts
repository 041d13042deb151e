// A typed SynthBUS client: every operation's variables and result are the types GraphQL Code
// Generator wrote into ./generated/synthbus.ts from schema.graphql and synthbus.graphql.
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { CertificateDocument, DownloadLinkDocument, OrderStateDocument, PlaceOrderDocument, QuoteDocument, UsageDocument } from './generated/synthbus';
import type { OrderInput } from './generated/synthbus';

export class SynthBusError extends Error {
  constructor(
    message: string,
    /** extensions.code and extensions.reason of the first GraphQL error, e.g. QUOTA_EXCEEDED. */
    readonly code: string | undefined,
    readonly reason: string | undefined,
  ) {
    super(message);
  }
}

export class SynthBus {
  constructor(
    private readonly url: string,
    private readonly apiKey: string,
  ) {}

  /** Runs one typed operation; throws SynthBusError with the API's code and reason. */
  async request<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const body = (await res.json()) as { data?: R; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };
    const [error] = body.errors ?? [];
    if (error || !body.data) throw new SynthBusError(error?.message ?? `HTTP ${res.status}`, error?.extensions?.code, error?.extensions?.reason);
    return body.data;
  }

  /** Quotes, checks the quota, places the order and waits until it completes; returns its id. */
  async orderCohort(input: OrderInput, idempotencyKey: string, onProgress?: (delivered: number, size: number, secondsLeft: number | null) => void): Promise<string> {
    const { quote } = await this.request(QuoteDocument, { input });
    const { usage } = await this.request(UsageDocument, {});
    if (quote.size > usage.imagesAvailable) throw new Error(`${quote.size} images asked for, ${usage.imagesAvailable} available this period`);
    const { placeOrder } = await this.request(PlaceOrderDocument, { input, idempotencyKey });
    for (;;) {
      const { order } = await this.request(OrderStateDocument, { id: placeOrder.id });
      onProgress?.(order.progress.delivered, order.progress.size, order.progress.estimatedSecondsLeft ?? null);
      if (order.status === 'COMPLETED') return placeOrder.id;
      if (order.status === 'FAILED' || order.status === 'CANCELLED') throw new Error(`order ${placeOrder.id} ${order.status}: ${order.failureReason ?? ''}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  /** The cohort's certificate.json, byte for byte as in its archive. */
  async certificateFile(orderId: string): Promise<string> {
    const { order } = await this.request(CertificateDocument, { id: orderId });
    if (!order.certificate?.passed) throw new Error(`order ${orderId} has no passing certificate`);
    return order.certificate.file;
  }

  /** A short-lived download link (GET it with the same Authorization header). */
  async downloadLink(orderId: string): Promise<string> {
    const { createDownloadLink } = await this.request(DownloadLinkDocument, { orderId, format: 'ZIP' });
    return new URL(createDownloadLink.url, this.url).href;
  }
}
