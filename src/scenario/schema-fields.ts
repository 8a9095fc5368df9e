/**
 * Building blocks of the file schema: leaves that parse units (with the messages
 * of `units.ts`), whole numbers, names, and strict mappings whose unknown keys get
 * a did-you-mean. Each leaf carries a description and examples for the JSON Schema.
 */
import { z } from 'zod';
import { UnitError } from '../model/unit-error.js';
import { encodeDetails } from './errors.js';
import { describeValue } from '../util/suggest.js';
import { DURATION_PATTERN, PERCENT_PATTERN, SIZE_PATTERN, parseDuration, parsePercent, parseSize, parseSizeOrPercent } from '../model/units.js';

type Parser<T> = (value: unknown, where: string) => T;

/** An error function that words a wrong type the way the unit parser does (a bare number lists the units). */
function typeErrorFrom(parse: Parser<unknown>) {
  return (issue: { input?: unknown }): string | undefined => {
    if (issue.input === undefined) return undefined; // a missing key: the translator words it
    try {
      parse(issue.input, '');
    } catch (error) {
      if (error instanceof UnitError) return encodeDetails({ message: error.reason, hint: error.hint });
      throw error;
    }
    return undefined;
  };
}

/** A string leaf parsed by `parse`, then checked by `check` (which returns a problem or undefined); for units of its own (latencies). */
export function unitLeaf<T>(parse: Parser<T>, meta: { description: string; examples: string[]; pattern: string }, check?: (value: T, text: string) => string | undefined) {
  return z
    .string({ error: typeErrorFrom(parse) })
    .meta(meta)
    .transform((text, ctx) => {
      try {
        const value = parse(text, '');
        const problem = check?.(value, text);
        if (problem === undefined) return value;
        ctx.addIssue({ code: 'custom', message: problem, input: text });
      } catch (error) {
        if (!(error instanceof UnitError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.reason, params: { hint: error.hint }, input: text });
      }
      return z.NEVER;
    });
}

const positive = (value: number, text: string): string | undefined =>
  value > 0 ? undefined : `${JSON.stringify(text)} is zero, but it must be more than 0`;

/** A size with a unit (`4GiB`), parsed to bytes. */
export function sizeField(description: string, options: { positive?: boolean } = {}) {
  return unitLeaf(parseSize, { description, examples: ['512MiB', '4GiB', '1.5GB'], pattern: SIZE_PATTERN }, options.positive === true ? positive : undefined);
}

/** A duration with a unit (`30s`), parsed to milliseconds. */
export function durationField(description: string, options: { positive?: boolean } = {}) {
  return unitLeaf(parseDuration, { description, examples: ['500ms', '30s', '5m', '1h'], pattern: DURATION_PATTERN }, options.positive === true ? positive : undefined);
}

/** A size (`2GiB`) or a percentage (`50%`). */
export function sizeOrPercentField(description: string) {
  return unitLeaf(parseSizeOrPercent, {
    description,
    examples: ['2GiB', '50%'],
    pattern: `(?:${SIZE_PATTERN})|(?:${PERCENT_PATTERN})`,
  });
}

/** A fraction from 0 to 1, written as a percentage (`60%`) or a number (`0.6`). */
export function fractionField(description: string) {
  const percent = unitLeaf((value, where) => parsePercent(value, where, { allowZero: true }) / 100, {
    description: 'a percentage from 0% to 100%',
    examples: ['60%'],
    pattern: PERCENT_PATTERN,
  });
  const fraction = z
    .number({ error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected a percentage such as 60% or a fraction from 0 to 1, got ${describeValue(issue.input)}` })) })
    .min(0, { error: (issue) => encodeDetails({ message: `${describeValue(issue.input)} is negative; a fraction is from 0 to 1` }) })
    .max(1, {
      error: (issue) =>
        encodeDetails({
          message: `${describeValue(issue.input)} is more than 1; a fraction is from 0 to 1`,
          hint: typeof issue.input === 'number' && issue.input <= 100 ? `write ${issue.input}% or ${issue.input / 100}` : undefined,
        }),
    })
    .meta({ description: 'a fraction from 0 to 1' });
  return z
    .union([percent, fraction], { error: typeErrorFrom((value, where) => parsePercent(value, where, { allowZero: true })) })
    .meta({ description });
}

/** A fraction as a percentage, for messages: 0.5 is "50%". */
function percentText(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}

/**
 * A fraction (`75%` or `0.75`) within the bounds of the model that reads it: at
 * most `max`, and more than 0 when `positive`. Outside them the model would
 * throw in the middle of a run; here the file gets an error at its line.
 */
export function boundedFractionField(description: string, bounds: { max?: number; positive?: boolean; why?: string }) {
  const why = bounds.why === undefined ? '' : ` (${bounds.why})`;
  return fractionField(description).superRefine((value, ctx) => {
    // Below 0 or above 1 the fraction itself has been refused already.
    if (bounds.positive === true && value === 0) {
      ctx.addIssue({ code: 'custom', message: `${percentText(value)} is zero, but it must be more than 0${why}`, params: { hint: 'use a small value instead, such as 1%' }, input: value });
    }
    if (bounds.max !== undefined && value > bounds.max && value <= 1) {
      ctx.addIssue({ code: 'custom', message: `${percentText(value)} is more than ${percentText(bounds.max)}${why}`, params: { hint: `use at most ${percentText(bounds.max)} (${bounds.max})` }, input: value });
    }
  });
}

/** A whole number from `min` to `max`. */
export function integerField(description: string, min: number, max: number) {
  const error = (issue: { input?: unknown }): string | undefined => {
    if (issue.input === undefined) return undefined;
    const quotedNumber = typeof issue.input === 'string' && /^\d+$/.test(issue.input);
    return encodeDetails({
      message: `expected a whole number from ${min} to ${max}, got ${describeValue(issue.input)}`,
      hint: quotedNumber ? 'write it without quotes' : undefined,
    });
  };
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).meta({ description });
}

/** `true` or `false`. */
export function booleanField(description: string) {
  return z
    .boolean({
      error: (issue) =>
        issue.input === undefined ? undefined : encodeDetails({ message: `expected true or false, got ${describeValue(issue.input)}` }),
    })
    .meta({ description });
}

/** A name of letters, digits, `_`, `.` and `-`, at most `lengthMax` characters. */
export function nameField(description: string, lengthMax: number) {
  const error = (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined
      ? undefined
      : encodeDetails({
          message: `${describeValue(issue.input)} is not a valid name`,
          hint: `use 1 to ${lengthMax} letters, digits, _, . or -`,
        });
  return z.string({ error }).min(1, { error }).max(lengthMax, { error }).regex(/^[A-Za-z0-9_.-]+$/, { error }).meta({ description });
}

/**
 * A mapping that refuses unknown keys. Its error function passes the allowed keys
 * to the translator, which suggests the closest one for each unknown key.
 */
export function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape, description: string) {
  const knownKeys = Object.keys(shape).filter((key) => !key.startsWith('$'));
  return z
    .strictObject(shape, {
      error: (issue) => {
        if (issue.code === 'unrecognized_keys') return encodeDetails({ message: 'unknown key', knownKeys });
        if (issue.code === 'invalid_type' && issue.input !== undefined) {
          return encodeDetails({ message: `expected a mapping with keys ${knownKeys.join(', ')}, got ${describeValue(issue.input)}` });
        }
        return undefined;
      },
    })
    .meta({ description });
}

/** A check that exactly one of `keys` is present in a mapping (one curve kind, one event action). */
export function exactlyOneOf(keys: readonly string[], what: string, hint: string) {
  return (value: Record<string, unknown>, ctx: z.core.$RefinementCtx): void => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length === 1) return;
    const message =
      present.length === 0
        ? `${what} needs one of ${keys.join(', ')}`
        : `${what} has ${present.join(' and ')}; it needs exactly one of them`;
    ctx.addIssue({ code: 'custom', message, input: value, params: { hint, exactlyOne: true } });
  };
}

/**
 * Expands a shorthand (`policy: static`, `driver: xen`) into its mapping with every
 * default filled in, by parsing the mapping form. Should a kind ever need a setting
 * without a default, the shorthand becomes an issue rather than a thrown ZodError.
 */
export function expandShorthand<T>(schema: z.ZodType<T>, mapping: Record<string, string>, ctx: z.core.$RefinementCtx, longForm: string): T {
  const result = schema.safeParse(mapping);
  if (result.success) return result.data;
  ctx.addIssue({ code: 'custom', message: 'this shorthand needs settings', params: { hint: `write ${longForm} with its settings` }, input: mapping });
  return z.NEVER;
}
