// services/order-lifecycle.ts is the only module that writes an order's state.
import fs from 'node:fs';
import path from 'node:path';
import { SRC, moduleGraph } from './import-graph';

const WRITES_ORDERS = /UPDATE\s+orders\b|INSERT\s+INTO\s+orders\b|getRepository\(OrderEntity\)\.(update|save|insert|upsert)\(/i;

test('only services/order-lifecycle.ts writes the orders table', () => {
  const writers = [...moduleGraph().keys()].filter((m) => WRITES_ORDERS.test(fs.readFileSync(path.join(SRC, m), 'utf8')));
  expect(writers).toEqual([path.join('services', 'order-lifecycle.ts')]);
});

test('the pattern recognises each way of writing the table (so the check above can fail)', () => {
  for (const text of ["UPDATE orders SET status = 'FAILED'", 'insert into orders (id) values ($1)', 'm.getRepository(OrderEntity).update({ id }, x)', 'getRepository(OrderEntity).save(o)']) {
    expect(WRITES_ORDERS.test(text)).toBe(true);
  }
  expect(WRITES_ORDERS.test('SELECT status FROM orders')).toBe(false);
});
