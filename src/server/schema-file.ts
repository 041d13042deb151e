// schema.graphql at the repository root: the API's schema as committed, so that API changes show
// in diffs. `npm run schema` rewrites it; tests/server/schema-file.test.ts fails when it is stale.
import { promises as fs } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildAppSchema } from './app';

export const SCHEMA_FILE = 'schema.graphql';

/** The schema as SDL, types and fields sorted by name. */
export async function schemaSdl(): Promise<string> {
  const sdl = printSchema(lexicographicSortSchema(await buildAppSchema()));
  return `# Generated from src/ by \`npm run schema\`; do not edit.\n\n${sdl}\n`;
}

if (require.main === module) {
  schemaSdl()
    .then((sdl) => fs.writeFile(SCHEMA_FILE, sdl))
    .then(
      () => console.log(`wrote ${SCHEMA_FILE}`),
      (e: unknown) => {
        console.error(e);
        process.exitCode = 1;
      },
    );
}
