/** The leaves of the file schema: units, numbers, names and strict mappings, each with its own words for a mistake. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeDetails } from '../../src/scenario/errors.js';
import { booleanField, durationField, exactlyOneOf, fractionField, integerField, nameField, sizeField, sizeOrPercentField, strictObject } from '../../src/scenario/schema-fields.js';

/** The first issue's message, decoded from the details the error function carries. */
function firstProblem(schema: z.ZodType, input: unknown): { message: string; hint?: string | undefined; knownKeys?: readonly string[] | undefined } {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  const issue = result.error.issues[0]!;
  const decoded = decodeDetails(issue.message);
  const hint = (issue as { params?: { hint?: string } }).params?.hint ?? decoded.hint;
  return { message: decoded.message, ...(hint !== undefined ? { hint } : {}), ...(decoded.knownKeys !== undefined ? { knownKeys: decoded.knownKeys } : {}) };
}

describe('unit fields', () => {
  it('parse sizes to bytes, durations to ms, and sizes or percentages to targets', () => {
    expect(sizeField('x').parse('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(durationField('x').parse('2m')).toBe(120_000);
    expect(sizeOrPercentField('x').parse('50%')).toEqual({ percentOfMax: 50 });
    expect(sizeOrPercentField('x').parse('1MiB')).toEqual({ bytes: 2 ** 20 });
  });

  it('word a bare number as the unit parser does, and refuse zero where it must be positive', () => {
    expect(firstProblem(sizeField('x'), 512).message).toMatch(/^512 is a bare number, but a size needs a unit/);
    expect(firstProblem(durationField('x', { positive: true }), '0s').message).toBe('"0s" is zero, but it must be more than 0');
    expect(durationField('x').parse('0s')).toBe(0);
  });
});

describe('fractionField', () => {
  it('reads a percentage or a fraction from 0 to 1', () => {
    expect(fractionField('x').parse('60%')).toBeCloseTo(0.6, 12);
    expect(fractionField('x').parse(0.25)).toBe(0.25);
    expect(fractionField('x').parse(0)).toBe(0);
  });

  it('refuses a fraction above 1, suggesting the percentage meant', () => {
    expect(firstProblem(fractionField('x'), 60)).toEqual({ message: '60 is more than 1; a fraction is from 0 to 1', hint: 'write 60% or 0.6' });
    expect(firstProblem(fractionField('x'), -0.5).message).toBe('-0.5 is negative; a fraction is from 0 to 1');
  });
});

describe('integerField, booleanField and nameField', () => {
  it('refuse what is not a whole number in range, saying when quotes are the trouble', () => {
    expect(integerField('x', 1, 10).parse(10)).toBe(10);
    expect(firstProblem(integerField('x', 1, 10), 11).message).toBe('expected a whole number from 1 to 10, got 11');
    expect(firstProblem(integerField('x', 1, 10), '5')).toEqual({ message: 'expected a whole number from 1 to 10, got "5"', hint: 'write it without quotes' });
    expect(firstProblem(integerField('x', 1, 10), 2.5).message).toBe('expected a whole number from 1 to 10, got 2.5');
  });

  it('take true or false, and names of letters, digits, _, . and -', () => {
    expect(booleanField('x').parse(false)).toBe(false);
    expect(firstProblem(booleanField('x'), 'yes').message).toBe('expected true or false, got "yes"');
    expect(nameField('x', 8).parse('web-1.a_')).toBe('web-1.a_');
    expect(firstProblem(nameField('x', 8), 'has space')).toEqual({ message: '"has space" is not a valid name', hint: 'use 1 to 8 letters, digits, _, . or -' });
    expect(firstProblem(nameField('x', 8), 'ninechars').message).toBe('"ninechars" is not a valid name');
  });
});

describe('strictObject and exactlyOneOf', () => {
  const mapping = strictObject({ memory: sizeField('m').optional(), swap: sizeField('s').optional() }, 'a mapping');

  it('refuses an unknown key, passing the allowed ones on, and a value that is not a mapping', () => {
    expect(firstProblem(mapping, { memroy: '1GiB' })).toEqual({ message: 'unknown key', knownKeys: ['memory', 'swap'] });
    expect(firstProblem(mapping, 'big').message).toBe('expected a mapping with keys memory, swap, got "big"');
  });

  it('wants exactly one of some keys', () => {
    const one = mapping.superRefine(exactlyOneOf(['memory', 'swap'], 'a thing', 'write one'));
    expect(one.parse({ swap: '1MiB' })).toEqual({ swap: 2 ** 20 });
    expect(firstProblem(one, {})).toEqual({ message: 'a thing needs one of memory, swap', hint: 'write one' });
    expect(firstProblem(one, { memory: '1MiB', swap: '1MiB' })).toEqual({ message: 'a thing has memory and swap; it needs exactly one of them', hint: 'write one' });
  });
});
