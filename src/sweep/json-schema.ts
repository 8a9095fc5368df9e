/** The published JSON Schema of sweep grid files (schema/grid.schema.json), generated from the zod schema that validates them. */
import { z } from 'zod';
import { gridFileSchema } from './grid.js';

/** The JSON Schema (draft 2020-12) of what a grid file may contain. */
export function gridJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(gridFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The schema as the text of schema/grid.schema.json. */
export function gridJsonSchemaText(): string {
  return `${JSON.stringify(gridJsonSchema(), null, 2)}\n`;
}
