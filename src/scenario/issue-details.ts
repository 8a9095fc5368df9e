/**
 * A private channel from the schema's error functions to the issue translator.
 *
 * A zod error function can only return a message string, but our issues also want
 * a hint, and an unknown-key issue wants the keys that are allowed. So the schema's
 * error functions return `encodeDetails(...)`, and `zod-issues.ts` decodes it. Both
 * ends live in this folder; nothing else ever sees an encoded message.
 */

const MARKER = '\u0000balloonsim-issue:';

export interface IssueDetails {
  message: string;
  hint?: string | undefined;
  /** For unknown keys: the keys allowed in that mapping. */
  knownKeys?: readonly string[] | undefined;
}

/** Packs details into a zod error message. */
export function encodeDetails(details: IssueDetails): string {
  return `${MARKER}${JSON.stringify(details)}`;
}

/** Unpacks `encodeDetails`; a plain zod message comes back as `{ message, encoded: false }`. */
export function decodeDetails(message: string): IssueDetails & { encoded: boolean } {
  if (!message.startsWith(MARKER)) return { message, encoded: false };
  const parsed: unknown = JSON.parse(message.slice(MARKER.length));
  if (typeof parsed !== 'object' || parsed === null) return { message, encoded: false };
  const record = parsed as Record<string, unknown>;
  const knownKeys = Array.isArray(record['knownKeys']) ? record['knownKeys'].filter((k): k is string => typeof k === 'string') : undefined;
  return {
    message: typeof record['message'] === 'string' ? record['message'] : 'invalid value',
    hint: typeof record['hint'] === 'string' ? record['hint'] : undefined,
    knownKeys,
    encoded: true,
  };
}
