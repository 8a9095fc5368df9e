/**
 * Numbers as the CSV files write them (`formatCsvNumber`), and the same
 * text written straight into bytes for the two kinds of number that fill a
 * run's series: whole numbers within ±2^53 (sizes and counts) and fractions
 * of moderate size (seconds, pressure, progress). Anything else, and a
 * fraction whose rounding to 9 digits is too near a tie to decide with
 * doubles, is left to `formatCsvNumber` itself, so the bytes cannot differ
 * from its text (test/output/csv-numbers.test.ts compares them).
 */

/** A number as the CSV writes it: integers exactly, fractions to 9 significant digits. */
export function formatCsvNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return '';
  return String(Number(value.toPrecision(9)));
}

/** Room `writeCsvNumberFast` needs: a sign and 16 digits, or a sign, "0.00000" and 9 digits. */
export const CSV_NUMBER_FAST_BYTES_MAX = 17;

const ZERO = 0x30;
const MINUS = 0x2d;
const POINT = 0x2e;
const EXPONENT = 0x65;

/** 10^0 to 10^22: the powers of ten that doubles hold exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Fractions written here: from 1e-30 (the decaying averages of a run's
 * series reach 1e-29 before they are 0; smaller ones take more than two
 * exact scalings) to below 1e15 (so that the digits fit
 * CSV_NUMBER_FAST_BYTES_MAX).
 */
const FRACTION_MIN = 1e-30;
const FRACTION_MAX = 1e15;

/**
 * How near the part after the 9th digit may be to one half before the
 * rounding is left to `toPrecision`: `scaled` below is at most two correctly
 * rounded operations away from exact, off by less than 2^-22 (it is below
 * 2^30), twenty times less than this.
 */
const TIE_MARGIN = 5e-6;

/** Writes the `count` lowest digits of `value` (below 2^31, leading zeros included) so that they end before `end`. */
function writeDigits(bytes: Uint8Array, end: number, value: number, count: number): void {
  let rest = value | 0;
  for (let at = end - 1; at >= end - count; at--) {
    const next = (rest / 10) | 0;
    bytes[at] = ZERO + (rest - next * 10);
    rest = next;
  }
}

/** Digits of a whole number from 0 to 2^53. */
function digitCount(value: number): number {
  let digits = 1;
  for (let bound = 10; bound <= value; bound *= 10) digits++;
  return digits;
}

/** A whole number from 0 to 2^53 at `at`; returns where it ends. */
function writeWhole(bytes: Uint8Array, at: number, value: number): number {
  const end = at + digitCount(value);
  let last = end;
  // Above 2^31 the digits come from division of doubles, exact for whole numbers below 2^53.
  while (value >= 0x80000000) {
    const rest = Math.floor(value / 10);
    bytes[--last] = ZERO + (value - rest * 10);
    value = rest;
  }
  writeDigits(bytes, last, value, last - at);
  return end;
}

/** `magnitude` times 10^power, for power from -22 to 44: one or two correctly rounded operations on exact powers of ten. */
function scale(magnitude: number, power: number): number {
  if (power < 0) return magnitude / POWERS_OF_TEN[-power]!;
  if (power <= 22) return magnitude * POWERS_OF_TEN[power]!;
  return magnitude * POWERS_OF_TEN[22]! * POWERS_OF_TEN[power - 22]!;
}

/**
 * A fraction of FRACTION_MIN ≤ |value| < FRACTION_MAX as
 * `String(Number(value.toPrecision(9)))` writes it: that is the 9 digits
 * toPrecision rounds to, without trailing zeros, in String's layout (a
 * shorter decimal could not round-trip to the same double): digits and
 * zeros, digits with a point, 0.000 and digits, or below 1e-6 digits and an
 * exponent. Returns where
 * it ends, or -1 (nothing written) for a value outside the range or too near
 * a tie.
 */
function writeFraction(bytes: Uint8Array, at: number, value: number): number {
  const magnitude = Math.abs(value);
  if (!(magnitude >= FRACTION_MIN && magnitude < FRACTION_MAX)) return -1;
  // The decimal exponent: 10^(exponent - 1) ≤ magnitude < 10^exponent. log10 may be one off near a power of ten.
  let exponent = Math.floor(Math.log10(magnitude)) + 1;
  let scaled = scale(magnitude, 9 - exponent);
  if (scaled >= 1e9) scaled = scale(magnitude, 9 - ++exponent);
  else if (scaled < 1e8) scaled = scale(magnitude, 9 - --exponent);
  if (!(scaled >= 1e8 && scaled < 1e9)) return -1;
  const whole = Math.floor(scaled);
  const rest = scaled - whole;
  if (Math.abs(rest - 0.5) < TIE_MARGIN) return -1;
  let digits = rest > 0.5 ? whole + 1 : whole;
  if (digits === 1e9) {
    digits = 1e8;
    exponent++;
  }
  let length = 9;
  while (digits % 10 === 0) {
    digits /= 10;
    length--;
  }
  if (value < 0) bytes[at++] = MINUS;
  return writeDecimal(bytes, at, digits, length, exponent);
}

/**
 * The decimal of `length` significant digits `digits` (no trailing zero)
 * and exponent `exponent` (10^(exponent - 1) ≤ it < 10^exponent) in
 * String's layout; returns where it ends.
 */
function writeDecimal(bytes: Uint8Array, at: number, digits: number, length: number, exponent: number): number {
  if (exponent >= length) {
    // A whole number after rounding: its digits, then zeros.
    writeDigits(bytes, at + length, digits, length);
    bytes.fill(ZERO, at + length, at + exponent);
    return at + exponent;
  }
  if (exponent > 0) {
    const after = length - exponent;
    const unit = POWERS_OF_TEN[after]!;
    writeDigits(bytes, at + exponent, Math.floor(digits / unit), exponent);
    bytes[at + exponent] = POINT;
    writeDigits(bytes, at + length + 1, digits % unit, after);
    return at + length + 1;
  }
  if (exponent > -6) {
    bytes[at] = ZERO;
    bytes[at + 1] = POINT;
    bytes.fill(ZERO, at + 2, at + 2 - exponent);
    const end = at + 2 - exponent + length;
    writeDigits(bytes, end, digits, length);
    return end;
  }
  // Below 1e-6 String writes an exponent: 1.5e-7, 3e-12.
  if (length === 1) bytes[at++] = ZERO + digits;
  else {
    const unit = POWERS_OF_TEN[length - 1]!;
    bytes[at] = ZERO + Math.floor(digits / unit);
    bytes[at + 1] = POINT;
    writeDigits(bytes, at + length + 1, digits % unit, length - 1);
    at += length + 1;
  }
  bytes[at] = EXPONENT;
  bytes[at + 1] = MINUS;
  const power = 1 - exponent;
  const powerDigits = power < 10 ? 1 : 2;
  writeDigits(bytes, at + 2 + powerDigits, power, powerDigits);
  return at + 2 + powerDigits;
}

/**
 * Writes `value` at `at` as `formatCsvNumber` would, when it is a whole
 * number within ±2^53 or a fraction of moderate size; `bytes` must have
 * room for CSV_NUMBER_FAST_BYTES_MAX from `at`. Returns where it ends, or -1
 * (nothing written) when the value is for `formatCsvNumber`.
 */
export function writeCsvNumberFast(bytes: Uint8Array, at: number, value: number): number {
  // Half the cells of a run's series are 0 (and -0 is written as 0, as String(-0) is).
  if (value === 0) {
    bytes[at] = ZERO;
    return at + 1;
  }
  if (!Number.isSafeInteger(value)) return writeFraction(bytes, at, value);
  if (value < 0) {
    bytes[at++] = MINUS;
    value = -value;
  }
  return writeWhole(bytes, at, value);
}
