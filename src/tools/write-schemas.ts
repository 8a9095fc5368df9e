/**
 * `npm run schema`: writes schema/scenario.schema.json and schema/grid.schema.json
 * from the zod schemas that validate those files. With `--check`, writes
 * nothing and exits 1 if a committed schema differs from what it would write.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchemaText } from '../scenario/schema.js';
import { gridJsonSchemaText } from '../sweep/json-schema.js';
import { makeDirectories } from '../output/make-directories.js';

/** The published schemas: file (relative to the package root) and text. */
export function publishedSchemas(): Array<{ file: string; text: string }> {
  return [
    { file: 'schema/scenario.schema.json', text: scenarioJsonSchemaText() },
    { file: 'schema/grid.schema.json', text: gridJsonSchemaText() },
  ];
}

function main(args: string[]): number {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const check = args.includes('--check');
  let stale = 0;
  for (const { file, text } of publishedSchemas()) {
    const path = `${root}${file}`;
    const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (current === text) {
      process.stdout.write(`${file}: up to date\n`);
      continue;
    }
    if (check) {
      process.stderr.write(`${file}: differs from the validator's schema; run \`npm run schema\`\n`);
      stale++;
      continue;
    }
    makeDirectories(`${root}schema`);
    writeFileSync(path, text);
    process.stdout.write(`${file}: written\n`);
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
