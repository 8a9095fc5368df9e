/**
 * Sizes, durations and percentages as users write them (`512MiB`, `1.5GB`, `30s`,
 * `50%`), parsed exactly (decimal arithmetic, no floating-point surprises) and
 * formatted back. Every refusal of what a user wrote is a `UnitError` that says
 * what to write instead. The formatters write what they are given, NaN
 * included: the simulator's reports call them at the end of a run, where a
 * figure that came out NaN is better printed than a run's outputs lost; the
 * library exports checked ones (api/format.ts).
 */
import { UnitError } from './unit-error.js';
import {
  DURATION_UNIT_MS,
  DURATION_UNITS_TEXT,
  SIZE_UNIT_BYTES,
  SIZE_UNITS_TEXT,
  durationUnitAdvice,
  sizeUnitAdvice,
  type UnitAdvice,
} from './unit-advice.js';
import type { TargetSize } from './scenario.js';

export { DURATION_UNITS_TEXT, SIZE_UNITS_TEXT };

const NUMBER_SOURCE = String.raw`(?:\d+(?:\.\d+)?|\.\d+)`;
/** What a size looks like; the JSON Schema for editors uses it too. */
export const SIZE_PATTERN = `^${NUMBER_SOURCE} ?(?:${Object.keys(SIZE_UNIT_BYTES).join('|')})$`;
/** What a duration looks like. */
export const DURATION_PATTERN = `^${NUMBER_SOURCE} ?(?:${Object.keys(DURATION_UNIT_MS).join('|')})$`;
/** What a percentage looks like. */
export const PERCENT_PATTERN = `^${NUMBER_SOURCE} ?%$`;

const QUANTITY = /^([+-]?)(\d+(?:\.\d+)?|\.\d+)(\s*)(.*)$/s;
const TEXT_LENGTH_MAX = 64;
const BIGINT_SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

interface Quantity {
  numberText: string;
  /** The number is mantissa / 10^scale exactly. */
  mantissa: bigint;
  scale: number;
  unit: string;
}

/** What kind of value is being parsed, for messages. */
interface Kind {
  noun: string;
  units: string;
  example: (numberText: string) => string;
  /** A typical value, for messages. */
  sample: string;
  advice: (text: string, numberText: string, unit: string) => UnitAdvice;
}

const SIZE_KIND: Kind = {
  noun: 'a size',
  units: SIZE_UNITS_TEXT,
  example: (n) => `${n}MiB`,
  sample: '512MiB',
  advice: sizeUnitAdvice,
};
const SIZE_OR_PERCENT_KIND: Kind = {
  ...SIZE_KIND,
  noun: 'a size or a percentage',
  units: `${SIZE_UNITS_TEXT}, or % for a percentage`,
};
const DURATION_KIND: Kind = {
  noun: 'a duration',
  units: DURATION_UNITS_TEXT,
  example: (n) => `${n}s`,
  sample: '30s',
  advice: durationUnitAdvice,
};

/** A sensible number to show in an example: the user's own when it is one. */
function exampleNumber(value: number | string): string {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n >= 0 && n <= 1e6 ? String(n) : '512';
}

/** Splits `1.5 GiB` into its exact number and its unit, or throws saying why it cannot. */
function readQuantity(value: unknown, where: string, kind: Kind): Quantity {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new UnitError(where, `${value} is not ${kind.noun}`, `write ${kind.noun} such as ${kind.sample}`);
    }
    throw new UnitError(
      where,
      `${value} is a bare number, but ${kind.noun} needs a unit: ${kind.units}`,
      `for example ${kind.example(exampleNumber(value))}`,
    );
  }
  if (typeof value !== 'string') {
    const shown = value === null || value === undefined ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : String(value);
    throw new UnitError(where, `expected ${kind.noun} such as ${kind.sample}, got ${shown}`);
  }
  const text = value;
  if (text.trim() === '') throw new UnitError(where, `${kind.noun} is required here, but the value is empty`, `for example ${kind.sample}`);
  if (text !== text.trim()) throw new UnitError(where, `${JSON.stringify(text)} has spaces around it`, `write ${JSON.stringify(text.trim())}`);
  if (text.length > TEXT_LENGTH_MAX) throw new UnitError(where, `${JSON.stringify(text.slice(0, 20))}... is too long to be ${kind.noun}`);
  const match = QUANTITY.exec(text);
  if (match === null) {
    const hint = /^[+-]?(nan|inf|infinity|\.inf)$/i.test(text) ? `${kind.noun} must be a finite number with a unit` : `for example ${kind.sample}`;
    throw new UnitError(where, `${JSON.stringify(text)} is not ${kind.noun}: it must start with a number`, hint);
  }
  const [, sign = '', numberText = '', spaces = '', unit = ''] = match;
  if (sign === '-') throw new UnitError(where, `${JSON.stringify(text)} is negative; ${kind.noun} cannot be negative`);
  if (sign === '+') throw new UnitError(where, `${JSON.stringify(text)} starts with +`, `write ${JSON.stringify(text.slice(1))}`);
  if (unit === '') {
    throw new UnitError(
      where,
      `${JSON.stringify(text)} has no unit, but ${kind.noun} needs one: ${kind.units}`,
      `for example ${kind.example(exampleNumber(numberText))}`,
    );
  }
  if (spaces !== '' && spaces !== ' ') {
    throw new UnitError(where, `${JSON.stringify(text)} has more than one space before its unit`, `write ${numberText} ${unit} or ${numberText}${unit}`);
  }
  if (/^[eE][+-]?\d/.test(unit)) {
    throw new UnitError(where, `${JSON.stringify(text)} uses exponent notation, which is not accepted`, 'write the number in full, e.g. 1000MiB');
  }
  const [whole = '', fraction = ''] = numberText.split('.');
  return { numberText, mantissa: BigInt(`${whole}${fraction}` || '0'), scale: fraction.length, unit };
}

/** `mantissa / 10^scale * factor`, exactly, as a numerator over a denominator. */
function scaled(quantity: Quantity, factor: number): { numerator: bigint; denominator: bigint } {
  return { numerator: quantity.mantissa * BigInt(factor), denominator: 10n ** BigInt(quantity.scale) };
}

function parseSizeWith(value: unknown, where: string, kind: Kind): number {
  const quantity = readQuantity(value, where, kind);
  const factor = SIZE_UNIT_BYTES[quantity.unit];
  const text = String(value);
  if (factor === undefined) {
    const advice = kind.advice(text, quantity.numberText, quantity.unit);
    throw new UnitError(where, advice.reason, advice.hint);
  }
  const { numerator, denominator } = scaled(quantity, factor);
  if (quantity.unit === 'B' && numerator % denominator !== 0n) {
    throw new UnitError(where, `${JSON.stringify(text)} is not a whole number of bytes`, 'write a whole number of bytes, or use a larger unit');
  }
  // Round half up to a whole byte: 1.1GiB is 1181116006.4 bytes.
  const bytes = (numerator * 2n + denominator) / (denominator * 2n);
  if (bytes > BIGINT_SAFE_MAX) {
    throw new UnitError(where, `${JSON.stringify(text)} is too large`, `the largest size is ${formatBytes(Number.MAX_SAFE_INTEGER)}`);
  }
  return Number(bytes);
}

/**
 * Parses a size with a unit (`512MiB`, `1.5GB`, `4 GiB`, `0B`) into a whole number
 * of bytes, rounded to the nearest byte. Units are case-sensitive: KiB, MiB, GiB,
 * TiB are powers of 2, KB, MB, GB, TB powers of 10, and a lowercase b (bits) is
 * refused. A bare number is refused with the list of units.
 *
 * @param value what the user wrote (a string; a number is refused as a bare number)
 * @param where names the value in the error message (`--memory`, `guests[0].memory`; default `parseSize`)
 * @throws UnitError saying what is wrong and what to write instead
 */
export function parseSize(value: unknown, where = 'parseSize'): number {
  return parseSizeWith(value, where, SIZE_KIND);
}

/**
 * Parses a percentage (`50%`, `12.5 %`) into a number of percent.
 *
 * @param options.allowZero accept `0%` (the default refuses it: 0 < p <= 100)
 * @throws UnitError when it is not a percentage from 0 (exclusive unless allowed) to 100
 */
export function parsePercent(value: unknown, where: string, options: { allowZero?: boolean } = {}): number {
  const text = typeof value === 'string' ? value : String(value);
  const match = /^(\d+(?:\.\d+)?|\.\d+) ?%$/.exec(text);
  if (typeof value !== 'string' || match === null) {
    const hint = typeof value === 'number' && Number.isFinite(value) ? `write ${value}%` : 'for example 50%';
    throw new UnitError(where, `expected a percentage such as 50%, got ${typeof value === 'string' ? JSON.stringify(value) : text}`, hint);
  }
  const percent = Number(match[1]);
  const lowest = options.allowZero === true ? 0 : Number.MIN_VALUE;
  if (percent < lowest || percent > 100) {
    const range = options.allowZero === true ? 'from 0% to 100%' : 'above 0% and at most 100%';
    throw new UnitError(where, `${JSON.stringify(value)} is out of range: a percentage here must be ${range}`);
  }
  return percent;
}

/**
 * Parses a size (`2GiB`) or a percentage (`50%`). A percentage is returned as
 * `{ percentOfMax }`; what it is a percentage of depends on the field (the guest's
 * maximum for targets).
 *
 * @throws UnitError as `parseSize` and `parsePercent` do
 */
export function parseSizeOrPercent(value: unknown, where: string): TargetSize {
  if (typeof value === 'string' && value.trim().endsWith('%')) {
    return { percentOfMax: parsePercent(value, where) };
  }
  return { bytes: parseSizeWith(value, where, SIZE_OR_PERCENT_KIND) };
}

/**
 * Parses a duration with a unit (`100ms`, `1.5s`, `5m`, `1h`, `2d`) into a whole
 * number of milliseconds. A bare number is refused with the list of units, and so
 * is a value that is not a whole number of milliseconds (`0.1ms`).
 *
 * @throws UnitError saying what is wrong and what to write instead
 */
export function parseDuration(value: unknown, where = 'parseDuration'): number {
  const quantity = readQuantity(value, where, DURATION_KIND);
  const factor = DURATION_UNIT_MS[quantity.unit];
  const text = String(value);
  if (factor === undefined) {
    const advice = durationUnitAdvice(text, quantity.numberText, quantity.unit);
    throw new UnitError(where, advice.reason, advice.hint);
  }
  const { numerator, denominator } = scaled(quantity, factor);
  if (numerator % denominator !== 0n) {
    const rounded = (numerator * 2n + denominator) / (denominator * 2n);
    throw new UnitError(
      where,
      `${JSON.stringify(text)} is not a whole number of milliseconds`,
      `durations are counted in whole ms; write ${rounded > 0n ? `${rounded}ms` : '1ms or more'}`,
    );
  }
  const ms = numerator / denominator;
  if (ms > BIGINT_SAFE_MAX) throw new UnitError(where, `${JSON.stringify(text)} is too long a duration`);
  return Number(ms);
}

/** `value / divisor` with up to three decimals, computed in integers; exact when `value * 1000` is a multiple of `divisor`. */
function decimalText(value: number, divisor: number): string {
  const whole = Math.floor(value / divisor);
  const thousandths = Number((BigInt(value % divisor) * 1000n) / BigInt(divisor));
  if (thousandths === 0) return String(whole);
  return `${whole}.${String(thousandths).padStart(3, '0').replace(/0+$/, '')}`;
}

const BINARY_UNITS_DESCENDING: ReadonlyArray<[string, number]> = [
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
];

/**
 * Formats bytes exactly, in the largest binary unit that needs at most three
 * decimals (`1.5 GiB`, `4 KiB`, `1181116006 B`), so that `parseSize` gives the
 * same number back.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isSafeInteger(bytes)) return `${bytes} B`;
  const sign = bytes < 0 ? '-' : '';
  const magnitude = Math.abs(bytes);
  for (const [unit, unitBytes] of BINARY_UNITS_DESCENDING) {
    if (magnitude >= unitBytes && (BigInt(magnitude) * 1000n) % BigInt(unitBytes) === 0n) {
      return `${sign}${decimalText(magnitude, unitBytes)} ${unit}`;
    }
  }
  return `${sign}${magnitude} B`;
}

/**
 * Formats bytes for tables and summaries: about three significant digits in the
 * largest binary unit (`1.09 GiB`, `512 MiB`, `93.5 KiB`). Not exact; use
 * `formatBytes` where the value must read back exactly.
 */
export function formatBytesApprox(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} B`;
  const sign = bytes < 0 ? '-' : '';
  const magnitude = Math.abs(bytes);
  for (const [unit, unitBytes] of BINARY_UNITS_DESCENDING) {
    if (magnitude >= unitBytes) {
      const value = magnitude / unitBytes;
      const decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
      return `${sign}${Number(value.toFixed(decimals))} ${unit}`;
    }
  }
  return `${sign}${Math.round(magnitude)} B`;
}

/**
 * Formats milliseconds exactly: the largest unit with a whole value (`90s`, `20m`,
 * `2h`), seconds with decimals above one second (`1.5s`), else `ms`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms)) return `${ms}ms`;
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const magnitude = Math.abs(ms);
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const unitMs = DURATION_UNIT_MS[unit] ?? 1;
    if (magnitude % unitMs === 0) return `${sign}${magnitude / unitMs}${unit}`;
  }
  if (magnitude > 1000) return `${sign}${decimalText(magnitude, 1000)}s`;
  return `${sign}${magnitude}ms`;
}
