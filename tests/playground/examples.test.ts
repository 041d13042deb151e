// The playground's example tabs are valid against the schema the API serves: a renamed field or
// a changed argument type shows here, not as an error in a partner's first click.
import { GraphQLSchema, parse, validate } from 'graphql';
import { EXAMPLE_TABS } from '../../src/playground/examples';
import { buildAppSchema } from '../../src/server/app';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

it.each(EXAMPLE_TABS.map((tab) => [tab.query.split('\n').find((l) => /^# \d+\./.test(l)) ?? tab.query.slice(0, 40), tab] as const))('%s', (_title, tab) => {
  expect(validate(schema, parse(tab.query)).map((e) => e.message)).toEqual([]);
  if (tab.variables) expect(() => JSON.parse(tab.variables as string)).not.toThrow();
  if (tab.headers) expect(JSON.parse(tab.headers)).toEqual({ Authorization: expect.stringMatching(/^Bearer [A-Z0-9_]+$/) });
});

it('walks the journey in order, one numbered step per tab', () => {
  const steps = EXAMPLE_TABS.map((tab) => Number(/^# (\d+)\./m.exec(tab.query)?.[1]));
  expect(steps).toEqual(EXAMPLE_TABS.map((_, i) => i + 1));
});
