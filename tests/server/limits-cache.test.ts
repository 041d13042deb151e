// The query limits' verdicts are remembered per parsed document and variables when an operation
// passes (issue 15), never when it is refused; other variables are judged again.
import * as graphql from 'graphql';
import { buildAppSchema } from '../../src/server/app';
import { passedLimitsCache } from '../../src/server/limits';

const limits = { maxDepth: 10, maxComplexity: 2000, maxAliases: 15 };
let schema: graphql.GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

test('a passing operation is judged once per variables; a refused one each time, with fresh errors', () => {
  const check = passedLimitsCache(schema, limits);
  const parsed = graphql.parse('query($n: Int) { orders(first: $n) { edges { node { id images(first: 100) { edges { node { index } } } } } } }');
  // Judging walks the document: count the walks.
  let walks = 0;
  const doc = new Proxy(parsed, {
    get(target, prop, receiver) {
      if (prop === 'definitions') walks++;
      return Reflect.get(target, prop, receiver);
    },
  });
  expect(check(doc, { n: 2 })).toEqual([]);
  const once = walks;
  expect(once).toBeGreaterThan(0);
  expect(check(doc, { n: 2 })).toEqual([]);
  expect(walks).toBe(once); // was judged again on every call
  const first = check(doc, { n: 100 }); // 100 orders × 100 images: over 2,000
  const afterFirst = walks;
  const second = check(doc, { n: 100 });
  expect(walks).toBeGreaterThan(afterFirst);
  expect(first[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  expect(second[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  expect(second[0]).not.toBe(first[0]);
});
