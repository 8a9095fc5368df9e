/**
 * Translates zod issues into our issues: a sentence per problem, a hint where one
 * helps, one issue per unknown key (pointing at the key), missing keys named, and
 * for a union, the problems of the branch the user evidently meant rather than a
 * list of everything every branch expected. Never a raw zod dump.
 */
import type { z } from 'zod';
import { type PathSegment, decodeDetails, type RawIssue } from './errors.js';
import { describeValue, didYouMean, listFew } from '../util/suggest.js';

type ZodIssue = z.core.$ZodIssue;

/** The value at `path` in the data the user wrote, or undefined. */
export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[String(segment)];
  }
  return value;
}

/** True when the last key of `path` is absent from a mapping that exists. */
function isMissingKey(data: unknown, path: readonly PathSegment[]): boolean {
  const key = path[path.length - 1];
  if (typeof key !== 'string') return false;
  const parent = valueAt(data, path.slice(0, -1));
  return parent !== null && typeof parent === 'object' && !Array.isArray(parent) && !Object.hasOwn(parent, key);
}

function hintOf(issue: ZodIssue, decoded: string | undefined): string | undefined {
  if (decoded !== undefined) return decoded;
  if (issue.code === 'custom' && typeof issue.params?.['hint'] === 'string') return issue.params['hint'];
  return undefined;
}

const EXPECTED_WORDS: Readonly<Record<string, string>> = {
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping (key: value pairs)',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function expectedInWords(expected: string): string {
  return EXPECTED_WORDS[expected] ?? expected;
}

/** `expected text of at least 1 character, got ""`, `expected at most 64 items, got 70`. */
function boundInWords(issue: Extract<ZodIssue, { code: 'too_small' | 'too_big' }>, value: unknown): string {
  const [relation, bound] = issue.code === 'too_small' ? ['at least', issue.minimum] : ['at most', issue.maximum];
  const plural = Number(bound) === 1 ? '' : 's';
  const unit = issue.origin === 'string' ? ` character${plural}` : issue.origin === 'array' ? ` item${plural}` : '';
  const what = issue.origin === 'string' ? 'text of ' : '';
  return `expected ${what}${relation} ${String(bound)}${unit}, got ${describeValue(value)}`;
}

/** A branch of a union that failed only because the value has another type: not the branch the user meant. */
function isTypeMismatch(branch: readonly ZodIssue[], value: unknown): boolean {
  const only = branch[0];
  if (branch.length !== 1 || only === undefined || only.path.length !== 0) return false;
  if (only.code === 'invalid_type') return true;
  return only.code === 'invalid_value' && value !== null && typeof value === 'object';
}

function translateUnion(issue: Extract<ZodIssue, { code: 'invalid_union' }>, path: PathSegment[], data: unknown, message: string, hint: string | undefined, encoded: boolean): RawIssue[] {
  if (issue.errors.length === 0 && issue.discriminator !== undefined) {
    const options = ('options' in issue ? (issue.options ?? []) : []).map(String);
    const value = valueAt(data, path);
    return [
      {
        path,
        message: value === undefined ? `missing required key ${JSON.stringify(issue.discriminator)}` : `unknown ${issue.discriminator} ${describeValue(value)}`,
        hint: `${typeof value === 'string' ? didYouMean(value, options) : ''}known: ${options.join(', ')}`,
      },
    ];
  }
  const value = valueAt(data, path);
  const meant = issue.errors.filter((branch) => !isTypeMismatch(branch, value));
  if (meant.length > 0) {
    const best = meant.reduce((a, b) => (b.length < a.length ? b : a));
    return translateIssues(best, data, path);
  }
  if (encoded) return [{ path, message, hint }];
  const expected = [...new Set(issue.errors.map((branch) => (branch[0]?.code === 'invalid_type' ? expectedInWords(branch[0].expected) : 'another value')))];
  return [{ path, message: `expected ${expected.join(' or ')}, got ${describeValue(value)}` }];
}

function translate(issue: ZodIssue, data: unknown, base: readonly PathSegment[]): RawIssue[] {
  const path: PathSegment[] = [...base, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
  const details = decodeDetails(issue.message);
  const hint = hintOf(issue, details.hint);
  const discriminated = issue.code === 'invalid_union' && issue.discriminator !== undefined; // words its own missing key
  if (issue.code !== 'unrecognized_keys' && !discriminated && valueAt(data, path) === undefined && isMissingKey(data, path)) {
    return [{ path, message: `missing required key ${JSON.stringify(path[path.length - 1])}`, hint }];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = details.knownKeys ?? [];
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown key ${JSON.stringify(key)}`,
        hint: `${didYouMean(key, known)}allowed here: ${listFew(known, 12)}`,
        target: 'key' as const,
      }));
    }
    case 'invalid_union':
      return translateUnion(issue, path, data, details.message, hint, details.encoded);
    case 'invalid_type':
      if (details.encoded) return [{ path, message: details.message, hint }];
      return [{ path, message: `expected ${expectedInWords(issue.expected)}, got ${describeValue(valueAt(data, path))}`, hint }];
    case 'too_small':
    case 'too_big':
      if (details.encoded) return [{ path, message: details.message, hint }];
      return [{ path, message: boundInWords(issue, valueAt(data, path)), hint }];
    case 'invalid_value': {
      if (details.encoded) return [{ path, message: details.message, hint }];
      const value = valueAt(data, path);
      const values = issue.values.map(String);
      const suggestion = typeof value === 'string' ? didYouMean(value, values) : '';
      return [{ path, message: `${describeValue(value)} is not one of ${values.join(', ')}`, hint: suggestion === '' ? undefined : suggestion.trim() }];
    }
    default:
      return [{ path, message: details.message, hint }];
  }
}

/** Drops "needs exactly one of" issues at mappings that also have unknown keys: the unknown key says it better. */
function withoutRedundant(issues: readonly ZodIssue[]): ZodIssue[] {
  const unknownAt = new Set(issues.filter((issue) => issue.code === 'unrecognized_keys').map((issue) => JSON.stringify(issue.path)));
  return issues.filter((issue) => !(issue.code === 'custom' && issue.params?.['exactlyOne'] === true && unknownAt.has(JSON.stringify(issue.path))));
}

/**
 * Translates zod issues into raw issues.
 *
 * @param data the whole value that was parsed (the file's content), to look values up in
 * @param base the path the issues' own paths start from: empty at the top, a union's path for its branches
 */
export function translateIssues(issues: readonly ZodIssue[], data: unknown, base: readonly PathSegment[] = []): RawIssue[] {
  return withoutRedundant(issues).flatMap((issue) => translate(issue, data, base));
}
