/**
 * The published JSON Schema of scenario files (schema/scenario.schema.json),
 * generated from the zod schema that validates them, so that the two cannot
 * drift apart: a test compares the committed file with this, and
 * `npm run schema` rewrites it.
 */
import { z } from 'zod';
import { scenarioFileSchema } from './schema.js';

/** The JSON Schema (draft 2020-12) of what a scenario file may contain. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The schema as the text of schema/scenario.schema.json. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
