import { readFile, writeFile } from 'node:fs/promises';
import { printSchemaSdl } from '../src/schema/index.js';

/**
 * Prints the Pothos schema to `schema.graphql`. With `--check`, fails when the committed file is stale.
 */
const target = new URL('../schema.graphql', import.meta.url);
const printed = printSchemaSdl();

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== printed) {
    console.error('schema.graphql is stale: run `npm run codegen` and commit the result.');
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  await writeFile(target, printed);
  console.log('wrote schema.graphql');
}
