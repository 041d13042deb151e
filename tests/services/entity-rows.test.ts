// The read path's plain-SQL order reads (db/entity-rows.ts, issue 15) return exactly what
// TypeORM's find returns: the same properties, types, transformed values and prototype.
import { EntityRows } from '../../src/db/entity-rows';
import { OrderEntity } from '../../src/entities/order';
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
