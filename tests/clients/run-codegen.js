// Runs GraphQL Code Generator's core in plain Node (its plugins require the ESM-only auto-bind,
// which jest's module runtime cannot load). Reads one output's settings as JSON on stdin:
// { schema, documents, plugins, config, outFile }, paths absolute; writes outFile.
const { codegen } = require('@graphql-codegen/core');
const { parse } = require('graphql');
const { readFileSync, writeFileSync } = require('node:fs');

const { schema, documents, plugins, config, outFile } = JSON.parse(readFileSync(0, 'utf8'));
codegen({
  filename: outFile,
  schema: parse(readFileSync(schema, 'utf8')),
  documents: [{ location: documents, document: parse(readFileSync(documents, 'utf8')) }],
  plugins: plugins.map((p) => ({ [p]: {} })),
  pluginMap: Object.fromEntries(plugins.map((p) => [p, require(`@graphql-codegen/${p}`)])),
  config,
}).then(
  (code) => writeFileSync(outFile, code),
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
