// GraphQL Code Generator's configuration: `npx graphql-codegen --config codegen.ts` in this folder
// writes generated/synthbus.ts, the types of every operation in synthbus.graphql. The repository's
// tests/clients/codegen.test.ts generates from this very file and compiles client.ts against it.
export default {
  // This repository's committed schema; yours may name a saved copy, or the API's URL.
  schema: '../../schema.graphql',
  documents: 'synthbus.graphql',
  generates: {
    'generated/synthbus.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        // Enum values as string literals ('COMPLETED'), so results compare with plain strings.
        enumsAsTypes: true,
        // Every custom scalar mapped; an unmapped one fails generation instead of becoming `any`.
        strictScalars: true,
        scalars: { DateTimeISO: 'string', JSONObject: 'Record<string, unknown>', SafeInt: 'number' },
      },
    },
  },
};
