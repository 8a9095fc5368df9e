/** Unit tests of src/sweep/json-schema.ts: the JSON Schema of grid files (test/scenario/json-schema.test.ts checks it matches schema/grid.schema.json). */
import { describe, expect, it } from 'vitest';
import { gridJsonSchema, gridJsonSchemaText } from '../../src/sweep/json-schema.js';

describe('gridJsonSchema', () => {
  const schema = gridJsonSchema() as { $schema: string; type: string; title: string; required: string[]; additionalProperties: unknown; properties: Record<string, { description?: string }> };

  it('is a draft 2020-12 schema of an object with the grid file keys, base required, nothing else allowed', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.title).toBe('balloonsim sweep grid');
    expect(Object.keys(schema.properties).sort()).toEqual(['$schema', 'base', 'duration', 'name', 'parameters']);
    expect(schema.required).toEqual(['base']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('describes every key, for editors', () => {
    for (const [key, property] of Object.entries(schema.properties)) expect(property.description, key).toBeTruthy();
  });
});

describe('gridJsonSchemaText', () => {
  it('is the schema as indented JSON text with a final newline', () => {
    const text = gridJsonSchemaText();
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{\n  "$schema": ')).toBe(true);
    expect(JSON.parse(text)).toEqual(gridJsonSchema());
  });
});
