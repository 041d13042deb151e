// Shared by the delivery and CLI tests: a completed order through the real API and worker,
// and download-link helpers over real HTTP.
import { collectProgress, gqlOk, ORDER_FIELDS, TestStack } from '../helpers/stack';

export async function firstModel(stack: TestStack, key: string): Promise<{ modelId: string; birads: number[] }> {
  const { models } = await gqlOk(stack.url, '{ models { modelId classes { birads } } }', {}, key);
  return { modelId: models[0].modelId, birads: models[0].classes.map((c: { birads: number }) => c.birads) };
}

/**
 * Places an order of `size` images over two classes and waits (subscription) until it completes;
 * `onEvent` sees each progress event as it comes.
 */
export async function completedOrder(stack: TestStack, key: string, size: number, onEvent?: (e: Record<string, any>) => void): Promise<string> { // eslint-disable-line @typescript-eslint/no-explicit-any -- event payloads
  const { modelId, birads } = await firstModel(stack, key);
  const { placeOrder } = await gqlOk(
    stack.url,
    `mutation($i: OrderInput!) { placeOrder(input: $i) { ${ORDER_FIELDS} } }`,
    { i: { modelId, size, seed: 11, mix: [{ birads: birads[0], fraction: 0.5 }, { birads: birads[birads.length - 1], fraction: 0.5 }] } },
    key,
  );
  const events = await collectProgress(stack.wsUrl, key, placeOrder.id, onEvent);
  const last = events[events.length - 1];
  if (last.status !== 'COMPLETED') throw new Error(`order ${placeOrder.id} ended ${last.status}: ${last.failureReason}`);
  return placeOrder.id;
}

export async function downloadLink(stack: Pick<TestStack, 'url'>, key: string, orderId: string, format: 'ZIP' | 'TAR'): Promise<string> {
  const { createDownloadLink } = await gqlOk(
    stack.url,
    'mutation($o: ID!, $f: ArchiveFormat!) { createDownloadLink(orderId: $o, format: $f) { url expiresAt } }',
    { o: orderId, f: format },
    key,
  );
  return new URL(createDownloadLink.url, stack.url).toString();
}

export function authorized(key: string, extra: Record<string, string> = {}): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${key}`, ...extra } };
}
