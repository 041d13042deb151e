// The committed schema.graphql is what the code serves: an API change shows in the diff.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SCHEMA_FILE, schemaSdl } from '../../src/server/schema-file';

test(`${SCHEMA_FILE} matches the schema the code builds (npm run schema rewrites it)`, async () => {
  const committed = readFileSync(path.resolve(__dirname, '..', '..', SCHEMA_FILE), 'utf8');
  expect(committed).toBe(await schemaSdl());
});
