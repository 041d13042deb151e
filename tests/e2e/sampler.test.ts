/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The sampler is an order parameter (issue 15): quoted, stored, used by the worker, named by the
// order, its certificate and its dataset card; DDIM when omitted.
import type { ImagePrivacyRecord } from '../../src/domain/cohort';
import { TestPartner, TestStack, collectProgress, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let partner: TestPartner;

beforeAll(async () => {
  stack = await startTestStack({ worker: true });
  partner = await createApprovedPartner(stack);
});
afterAll(() => stack.close());

function input(sampler?: string) {
  const model = stack.engine!.models()[0];
  return { modelId: model.modelId, size: 4, mix: [{ birads: model.classes[0].birads, count: 4 }], seed: 42, steps: 4, ...(sampler ? { sampler } : {}) };
}

async function completedOrder(sampler?: string) {
  const { placeOrder } = await gqlOk(stack.url, 'mutation($i: OrderInput!) { placeOrder(input: $i) { id sampler } }', { i: input(sampler) }, partner.key);
  const events = await collectProgress(stack.wsUrl, partner.key, placeOrder.id);
  expect(events[events.length - 1].status).toBe('COMPLETED');
  const { order } = await gqlOk(stack.url, 'query($id: ID!) { order(id: $id) { sampler images(first: 10) { edges { node { index sha256 } } } certificate { payload } } }', { id: placeOrder.id }, partner.key);
  return { placed: placeOrder.sampler, order };
}

test('quote names the sampler, DDIM by default', async () => {
  const q = (s?: string) => gqlOk(stack.url, 'query($i: OrderInput!) { quote(input: $i) { sampler steps } }', { i: input(s) }, partner.key);
  expect((await q()).quote).toEqual({ sampler: 'DDIM', steps: 4 });
  expect((await q('DPM_SOLVER_PP')).quote).toEqual({ sampler: 'DPM_SOLVER_PP', steps: 4 });
});

test('a DPM-Solver++ order makes other images than a DDIM order of the same seed, and its certificate says which', async () => {
  const ddim = await completedOrder();
  const dpm = await completedOrder('DPM_SOLVER_PP');
  expect([ddim.placed, ddim.order.sampler]).toEqual(['DDIM', 'DDIM']);
  expect([dpm.placed, dpm.order.sampler]).toEqual(['DPM_SOLVER_PP', 'DPM_SOLVER_PP']);
  const hashes = (o: typeof ddim) => o.order.images.edges.map((e: { node: { sha256: string } }) => e.node.sha256);
  expect(hashes(dpm)).toHaveLength(4);
  hashes(dpm).forEach((h: string, i: number) => expect(h).not.toBe(hashes(ddim)[i]));
  const details = (o: typeof ddim) => (JSON.parse(o.order.certificate.payload) as { order: { details: { sampler: string } }; images: ImagePrivacyRecord[] }).order.details.sampler;
  expect([details(ddim), details(dpm)]).toEqual(['DDIM', 'DPM_SOLVER_PP']);
});

test('an unknown sampler is refused before anything is placed', async () => {
  const r = await gql(stack.url, 'mutation($i: OrderInput!) { placeOrder(input: $i) { id } }', { i: input('EULER') }, partner.key);
  expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  expect(r.errors?.[0].message).toMatch(/EULER/);
});
