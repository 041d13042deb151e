import { apportion } from '../../src/domain/apportion';
import { classOfIndex } from '../../src/domain/order-request';
import { planShards } from '../../src/services/shards';

describe('largest-remainder apportionment', () => {
  test('counts sum exactly to the size and follow the largest remainders', () => {
    // 7 × (0.4, 0.3, 0.3) = 2.8, 2.1, 2.1 → floors 2, 2, 2; the one left goes to the 0.8 remainder.
    expect(apportion([{ birads: 3, fraction: 0.4 }, { birads: 4, fraction: 0.3 }, { birads: 5, fraction: 0.3 }], 7)).toEqual([
      { birads: 3, count: 3 },
      { birads: 4, count: 2 },
      { birads: 5, count: 2 },
    ]);
  });

  test('ties go to the lower BI-RADS category and thirds still sum to the size', () => {
    const third = 1 / 3;
    expect(apportion([{ birads: 5, fraction: third }, { birads: 2, fraction: third }, { birads: 3, fraction: third }], 10)).toEqual([
      { birads: 2, count: 4 },
      { birads: 3, count: 3 },
      { birads: 5, count: 3 },
    ]);
  });

  test('many random mixes always sum to the size', () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 500; trial++) {
      const raw = [rand(), rand(), rand(), rand()];
      const sum = raw.reduce((a, b) => a + b, 0);
      const size = 1 + Math.floor(rand() * 1000);
      const counts = apportion(raw.map((r, i) => ({ birads: i + 2, fraction: r / sum })), size);
      expect(counts.reduce((a, c) => a + c.count, 0)).toBe(size);
      counts.forEach((c, i) => expect(Math.abs(c.count - (raw[i] / sum) * size)).toBeLessThan(1));
    }
  });
});

test('image classes run in ascending blocks and shards cover every index once', () => {
  const counts = [{ birads: 2, count: 2 }, { birads: 4, count: 3 }];
  expect([0, 1, 2, 3, 4].map((i) => classOfIndex(counts, i))).toEqual([2, 2, 4, 4, 4]);
  expect(() => classOfIndex(counts, 5)).toThrow(RangeError);
  expect(planShards('o', 10, 4)).toEqual([
    { orderId: 'o', shard: 0, start: 0, end: 4 },
    { orderId: 'o', shard: 1, start: 4, end: 8 },
    { orderId: 'o', shard: 2, start: 8, end: 10 },
  ]);
});
