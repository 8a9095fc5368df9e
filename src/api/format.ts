/**
 * The unit formatters as the library exports them: each checks that it was
 * given a finite number, then calls the simulator's own (model/units.ts).
 * Unchecked, a string came out as "abc B", undefined as "undefined B" and
 * NaN as "NaN B". The simulator keeps calling the unchecked ones: its
 * reports are written at the end of a run, where a figure that came out NaN
 * is better printed as it is than the run's outputs lost to a throw.
 */
import { formatBytes as formatBytesOf, formatBytesApprox as formatBytesApproxOf, formatDuration as formatDurationOf } from '../model/units.js';
import { describeValue } from '../util/suggest.js';

/** Throws unless `value` is a finite number, naming the function, the argument and what to give. */
function checkFormattable(value: unknown, what: string, name: string, expected: string): void {
  if (typeof value !== 'number') throw new TypeError(`${what}: ${name} must be ${expected}, got ${describeValue(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`${what}: ${name} must be a finite number, got ${value} (a figure computed from a missing or non-numeric value?); give ${expected}`);
}

/**
 * Formats bytes exactly (`1.5 GiB`, `4 KiB`, `1181116006 B`): `parseSize` gives the same number back.
 *
 * @throws TypeError or RangeError when `bytes` is not a finite number
 */
export function formatBytes(bytes: number): string {
  checkFormattable(bytes, 'formatBytes', 'bytes', 'a number of bytes, such as 1536');
  return formatBytesOf(bytes);
}

/**
 * Formats bytes for reading, about three significant digits (`1.09 GiB`, `93.5 KiB`).
 *
 * @throws TypeError or RangeError when `bytes` is not a finite number
 */
export function formatBytesApprox(bytes: number): string {
  checkFormattable(bytes, 'formatBytesApprox', 'bytes', 'a number of bytes, such as 1536');
  return formatBytesApproxOf(bytes);
}

/**
 * Formats milliseconds exactly (`90s`, `2h`, `1.5s`, `250ms`).
 *
 * @throws TypeError or RangeError when `ms` is not a finite number
 */
export function formatDuration(ms: number): string {
  checkFormattable(ms, 'formatDuration', 'ms', 'a number of milliseconds, such as 1500');
  return formatDurationOf(ms);
}
