/**
 * Latencies: durations shorter than a millisecond (`150us`, `0.5ms`, `800ns`),
 * as page fault costs are. Scenario durations are whole milliseconds
 * (`units.ts`); a latency is a fraction of one, so it has its own parser with
 * the same manners: a bare number is refused with the list of units.
 */
import { UnitError } from './unit-error.js';

/** Milliseconds per latency unit. */
const LATENCY_UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
};

export const LATENCY_UNITS_TEXT = 'ns, us (or µs), ms or s';

/** What a latency looks like; the JSON Schema for editors uses it too. */
export const LATENCY_PATTERN = String.raw`^(?:\d+(?:\.\d+)?|\.\d+) ?(?:ns|us|µs|ms|s)$`;

/** Longest latency accepted: a page fault that takes longer is a typo. */
export const LATENCY_MS_MAX = 10_000;

/**
 * Parses a latency with a unit (`150us`, `0.2ms`) into milliseconds (a
 * fraction of a ms is kept).
 *
 * @param where names the value in the error message
 * @throws UnitError saying what is wrong and what to write instead
 */
export function parseLatency(value: unknown, where: string): number {
  if (typeof value === 'number') {
    throw new UnitError(where, `${value} has no unit; accepted units: ${LATENCY_UNITS_TEXT}`, `write ${Number.isFinite(value) && value >= 0 ? value : 100}us`);
  }
  if (typeof value !== 'string') throw new UnitError(where, `expected a latency such as 150us, got ${value === null ? 'null' : typeof value}`);
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(.*)$/s.exec(value.trim());
  if (match === null) throw new UnitError(where, `${JSON.stringify(value)} is not a latency`, 'write a number and a unit, such as 150us or 0.5ms');
  const [, numberText, unit] = match as unknown as [string, string, string];
  const factor = LATENCY_UNIT_MS[unit];
  if (factor === undefined) {
    const hint = unit === '' ? `write ${numberText}us` : unit === 'm' || unit === 'h' ? 'a page fault takes microseconds: write 150us' : `for example ${numberText}us`;
    throw new UnitError(where, `${JSON.stringify(value)} has ${unit === '' ? 'no unit' : `an unknown unit ${JSON.stringify(unit)}`}; accepted units: ${LATENCY_UNITS_TEXT}`, hint);
  }
  const ms = Number(numberText) * factor;
  if (!(ms <= LATENCY_MS_MAX)) throw new UnitError(where, `${JSON.stringify(value)} is longer than ${LATENCY_MS_MAX / 1000}s`, 'a page fault costs microseconds to milliseconds');
  return ms;
}
