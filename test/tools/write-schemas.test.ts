/** Unit tests of src/tools/write-schemas.ts: the published schemas, and `--check` against the committed ones. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gridJsonSchemaText } from '../../src/sweep/json-schema.js';
import { publishedSchemas } from '../../src/tools/write-schemas.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('publishedSchemas', () => {
  it('lists the scenario and grid schemas with the text the validators give', () => {
    const schemas = publishedSchemas();
    expect(schemas.map((s) => s.file)).toEqual(['schema/scenario.schema.json', 'schema/grid.schema.json']);
    expect(schemas[1]!.text).toBe(gridJsonSchemaText());
    for (const { text } of schemas) expect(JSON.parse(text).$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('matches the committed files, so that `npm run schema -- --check` passes (the built script, in dist/)', () => {
    for (const { file, text } of publishedSchemas()) expect(readFileSync(`${ROOT}${file}`, 'utf8'), file).toBe(text);
    const check = spawnSync(process.execPath, [`${ROOT}dist/tools/write-schemas.js`, '--check'], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    expect(check.stdout).toBe('schema/scenario.schema.json: up to date\nschema/grid.schema.json: up to date\n');
  });
});
