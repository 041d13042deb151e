// Each request's reads are audited as that request's: concurrent requests of one key (which share
// one cached principal since issue 15's principal cache) must not be batched into one audit row.
import { parse } from 'graphql';
import { execute } from 'graphql';
import { chainPending } from '../../src/audit/pending';
import { requestContext } from '../../src/resolvers/context';
import { buildAppSchema } from '../../src/server/app';
import { authenticateBearer } from '../../src/server/authenticate';
import { PrincipalCache } from '../../src/server/principal-cache';
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
});
afterAll(() => stack.close());

test('two requests of one key reading the same order in the same tick leave two audit entries', async () => {
  const partner = await createApprovedPartner(stack, 'Concurrent Lab');
  const input = { modelId: CATALOG_MODEL.modelId, size: 1, mix: [{ birads: CATALOG_MODEL.classes[0].birads, count: 1 }] };
  const { placeOrder } = await gqlOk<{ placeOrder: { id: string } }>(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  const { ds } = stack.api.deps;
  const cache = new PrincipalCache();
  cache.setListening(true);
  const principal = await authenticateBearer(ds, `Bearer ${partner.key}`, '127.0.0.1', cache);
  // The same principal object for both, as the API's cache hands it out.
  expect(await authenticateBearer(ds, `Bearer ${partner.key}`, '127.0.0.1', cache)).toBe(principal);
  const schema = await buildAppSchema();
  const document = parse(`query($id: ID!) { order(id: $id) { id } }`);
  const results = await Promise.all(
    [1, 2].map(() => execute({ schema, document, variableValues: { id: placeOrder.id }, contextValue: requestContext(stack.api.deps, principal, '127.0.0.1') })),
  );
  for (const r of results) expect(r).toEqual({ data: { order: { id: placeOrder.id } } });
  while ((await chainPending(ds)) > 0);
  const rows = (await ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'order.read' AND target_id = $1 AND outcome = 'ok'`, [placeOrder.id])) as { n: number }[];
  expect(rows[0].n).toBe(2);
});
