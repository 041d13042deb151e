// The read path's plain-SQL order reads (db/entity-rows.ts, issue 15) return exactly what
// TypeORM's find returns: the same properties, types, transformed values and prototype; and the
// order's view they select (ORDER_VIEW) carries every field the Order type shows.
import { GraphQLObjectType, getNamedType, isObjectType } from 'graphql';
import { EntityRows } from '../../src/db/entity-rows';
import { OrderEntity } from '../../src/entities/order';
import { buildAppSchema } from '../../src/server/app';
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
});
afterAll(() => stack.close());

test('orders read through EntityRows equal TypeORM entities, field for field', async () => {
  const partner = await createApprovedPartner(stack, 'Rows Lab');
  const classes = CATALOG_MODEL.classes.map((c) => c.birads);
  for (let i = 0; i < 3; i++) {
    const input = { modelId: CATALOG_MODEL.modelId, size: 2, mix: [{ birads: classes[0], count: 1 }, { birads: classes[1], count: 1 }] };
    await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  }
  const { ds } = stack.api.deps;
  const want = await ds.getRepository(OrderEntity).find({ where: { partnerId: partner.partnerId }, order: { createdAt: 'DESC', id: 'DESC' } });
  const got = await new EntityRows(ds, OrderEntity, 'o').query('WHERE o.partner_id = $1 ORDER BY o.created_at DESC, o.id DESC', [partner.partnerId]);
  expect(want).toHaveLength(3);
  expect(got).toEqual(want);
  for (const [i, o] of got.entries()) {
    expect(Object.getPrototypeOf(o)).toBe(OrderEntity.prototype);
    expect(Object.keys(o).sort()).toEqual(Object.keys(want[i]).sort());
    expect(typeof o.seed).toBe('number'); // bigint through the column's transformer
    expect(o.createdAt).toBeInstanceOf(Date);
    expect(Array.isArray(o.shardJobIds)).toBe(true);
  }
});

test("order(id) and orders, which read only the order's view, show every field of Order as placeOrder does", async () => {
  const partner = await createApprovedPartner(stack, 'View Lab');
  const schema = await buildAppSchema();
  const order = schema.getType('Order') as GraphQLObjectType;
  // Every field without arguments; object fields with their scalar fields (counts { birads count }).
  const selection = Object.values(order.getFields())
    .filter((f) => f.args.length === 0)
    .map((f) => {
      const named = getNamedType(f.type);
      if (!isObjectType(named)) return f.name;
      const leaves = Object.values(named.getFields()).filter((g) => g.args.length === 0 && !isObjectType(getNamedType(g.type)));
      return leaves.length === Object.keys(named.getFields()).length ? `${f.name} { ${leaves.map((g) => g.name).join(' ')} }` : null;
    })
    .filter((f): f is string => f !== null)
    .join(' ');
  expect(selection).toMatch(/idempotencyKey/);
  const input = { modelId: CATALOG_MODEL.modelId, size: 2, seed: 42, mix: [{ birads: CATALOG_MODEL.classes[0].birads, count: 2 }] };
  const { placeOrder } = await gqlOk<{ placeOrder: Record<string, unknown> }>(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i, idempotencyKey: "view-1") { ${selection} } }`, { i: input }, partner.key);
  expect(placeOrder.idempotencyKey).toBe('view-1');
  const { order: one } = await gqlOk<{ order: Record<string, unknown> }>(stack.url, `query($id: ID!) { order(id: $id) { ${selection} } }`, { id: placeOrder.id }, partner.key);
  const { orders } = await gqlOk<{ orders: { edges: { node: Record<string, unknown> }[] } }>(stack.url, `{ orders(first: 1) { edges { node { ${selection} } } } }`, {}, partner.key);
  expect(one).toEqual(placeOrder);
  expect(orders.edges[0].node).toEqual(placeOrder);
});
