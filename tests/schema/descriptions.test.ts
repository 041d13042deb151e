// Every type, field, argument and enum value of the served schema says what it is: the Docs pane,
// editors' hovers and generated clients show these texts, so an undocumented name is a bug.
import { GraphQLNamedType, GraphQLSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { buildAppSchema } from '../../src/server/app';

function undocumented(schema: GraphQLSchema): string[] {
  const roots = new Set<GraphQLNamedType | null | undefined>([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  const missing: string[] = [];
  const need = (what: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(what);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    // The root types are the schema's entry points, not things a partner reads about.
    if (!roots.has(type)) need(`type ${type.name}`, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        need(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) need(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) need(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing;
}

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

test('every type, field, argument and enum value has a description', () => {
  expect(undocumented(schema)).toEqual([]);
});

test('the walk finds what is missing', () => {
  const field = schema.getQueryType()?.getFields().orders;
  const saved = field?.args[0].description;
  if (!field) throw new Error('no orders query');
  field.args[0].description = undefined;
  try {
    expect(undocumented(schema)).toEqual([`Query.orders(${field.args[0].name})`]);
  } finally {
    field.args[0].description = saved;
  }
});
