/** Unit tests of src/output/csv-numbers.ts: the fast path writes the bytes of formatCsvNumber's text, or nothing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_NUMBER_FAST_BYTES_MAX, formatCsvNumber, writeCsvNumberFast } from '../../src/output/csv-numbers.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

const scratch = new Uint8Array(CSV_NUMBER_FAST_BYTES_MAX);

/** What the fast path writes for `value`, or null when it leaves it to formatCsvNumber. */
function fastText(value: number): string | null {
  const end = writeCsvNumberFast(scratch, 0, value);
  return end < 0 ? null : Buffer.from(scratch.subarray(0, end)).toString('latin1');
}

/** `fastText`, checking that it writes within the room it asks for, and nothing when it steps aside. */
function fast(value: number): string | null {
  const bytes = new Uint8Array(2 + CSV_NUMBER_FAST_BYTES_MAX).fill(0x3f);
  const end = writeCsvNumberFast(bytes, 1, value);
  if (end < 0) {
    expect(bytes.every((byte) => byte === 0x3f)).toBe(true);
    return null;
  }
  expect(end - 1).toBeLessThanOrEqual(CSV_NUMBER_FAST_BYTES_MAX);
  expect(bytes[0]).toBe(0x3f);
  expect(bytes.subarray(end).every((byte) => byte === 0x3f)).toBe(true);
  return Buffer.from(bytes.subarray(1, end)).toString('latin1');
}

/** The fast path agrees with formatCsvNumber, or steps aside. */
function agrees(value: number): void {
  const written = fast(value);
  if (written !== null) expect(written, `${value}`).toBe(formatCsvNumber(value));
}

/** A 9-digit fraction's 10th digit a hair from a tie: where rounding with doubles could go the wrong way. */
const nearTieArb = fc
  .tuple(fc.integer({ min: 100_000_000, max: 999_999_999 }), fc.integer({ min: -38, max: 6 }), fc.integer({ min: -4, max: 4 }), fc.boolean())
  .map(([digits, power, ulps, negative]) => {
    let value = (digits + 0.5) * 10 ** power;
    for (let i = 0; i < Math.abs(ulps); i++) value = ulps > 0 ? value + value * Number.EPSILON : value - value * Number.EPSILON;
    return negative ? -value : value;
  });

/** Every kind of number a series may hold: whole numbers of every size, fractions of every scale, the values that are not finite. */
const numberArb = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(Number),
  fc.double(),
  fc.double({ min: 1e-31, max: 1e16 }),
  fc.tuple(fc.double({ min: 1, max: 10, noNaN: true }), fc.integer({ min: -35, max: 22 })).map(([mantissa, power]) => mantissa * 10 ** power),
  nearTieArb,
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 2 ** 31, 2 ** 31 - 1, 1e21, 1e-6, 1e-7, 9.999999995e-7, 999_999_999_999_999.9, 0.1 + 0.2),
);

const params = propertyParams<[number]>('writes the bytes of formatCsvNumber, or nothing', { numRuns: 2000 });

describe(`writeCsvNumberFast ${describeSeed(params.seed)}`, () => {
  it(params.name, () => assertProperty(fc.property(numberArb, (value) => agrees(value)), params));

  it('takes the fast path for the whole numbers and the fractions a run writes, and leaves the rest', () => {
    for (const value of [0, -0, 7, -7, 4096, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)]) expect(fast(value)).toBe(formatCsvNumber(value));
    for (const value of [1 / 3, 0.25, -2.5e-7, 1.5e-29, 123_456.789_012, 0.000_012_345_678_9, 99_999.999_999_9, 999_999_999_999.25]) expect(fast(value)).toBe(formatCsvNumber(value));
    expect(fast(0.000_009_500_259_29)).toBe('0.00000950025929');
    expect(fast(2.5e-7)).toBe('2.5e-7');
    // Past 2^53, past 1e15, below 1e-30, not finite, and a 10th digit that is exactly 5: formatCsvNumber's.
    for (const value of [2 ** 53, 1e15 + 0.5, 1e-31, Number.NaN, Number.POSITIVE_INFINITY, 0.1234567895]) expect(fast(value)).toBeNull();
  });

  it('agrees with formatCsvNumber on a million pseudo-random fractions and near-ties', { timeout: 60_000 }, () => {
    let state = 12345;
    const next = (): number => (state = (Math.imul(state, 48271) >>> 0) % 2147483647) / 2147483647;
    let fastCount = 0;
    for (let i = 0; i < 500_000; i++) {
      const value = (next() - 0.5) * 10 ** Math.floor(next() * 44 - 29);
      const written = fastText(value);
      if (written !== null) {
        fastCount++;
        if (written !== formatCsvNumber(value)) expect(written, `${value}`).toBe(formatCsvNumber(value));
      }
      const tie = (Math.floor(next() * 9e8) + 1e8 + 0.5) * 10 ** Math.floor(next() * 40 - 36);
      const near = tie + tie * Number.EPSILON * Math.floor(next() * 9 - 4);
      const nearWritten = fastText(near);
      if (nearWritten !== null && nearWritten !== formatCsvNumber(near)) expect(nearWritten, `${near}`).toBe(formatCsvNumber(near));
    }
    // Nearly every one of them takes the fast path.
    expect(fastCount).toBeGreaterThan(490_000);
  });
});
