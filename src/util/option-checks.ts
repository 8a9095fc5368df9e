/**
 * Checks of a library function's options object, shared by the functions that
 * take one (simulate, simulateFree, simulateStream, sweep, preflight, ...): a
 * misspelt key is refused with a did-you-mean instead of being ignored, and a
 * count, a choice, a signal or a callback of the wrong type is refused before
 * anything runs instead of failing deep inside or being taken for its
 * default. Messages start with the function's name (`what`).
 */
import { describeValue, didYouMean } from './suggest.js';

/**
 * Refuses keys of `options` outside `keys`, naming them, the closest known
 * one and the list. `noun` is what the message calls them: `key` for an
 * argument that is not an options object (a grid's spec).
 */
export function refuseUnknownOptions(options: object, keys: ReadonlyArray<string>, what: string, noun: 'option' | 'key' = 'option'): void {
  const unknown = Object.keys(options).filter((key) => !keys.includes(key));
  if (unknown.length === 0) return;
  throw new TypeError(
    `${what}: unknown ${noun}${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => JSON.stringify(key)).join(', ')} (${didYouMean(unknown[0]!, keys)}the ${noun}s are ${keys.join(', ')})`,
  );
}

/** An options object (absent is the caller's default) whose keys are all among `keys`. */
export function checkOptionsObject(options: unknown, keys: ReadonlyArray<string>, what: string): asserts options is object {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what}: options must be an object ({ ${keys.join(', ')} }, each optional), got ${describeValue(options)}`);
  }
  refuseUnknownOptions(options, keys, what);
}

/** A whole number of at least `min` (a count, an index, a seed). */
export function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** A finite number above 0 (bytes, ms). */
export function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** A finite number of at least 0 (bytes, pages, ms). */
export function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** A whole number of at least `min`, or absent. */
export function checkOptionalCount(value: unknown, name: string, what: string, min: number): void {
  if (value === undefined) return;
  if (!isCount(value, min)) {
    throw new RangeError(`${what}: ${name} must be a whole number of at least ${min}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  }
}

/** One of `choices`, or absent: anything else was taken for the default. */
export function checkOptionalChoice(value: unknown, name: string, choices: ReadonlyArray<string>, what: string): void {
  if (value === undefined || (typeof value === 'string' && choices.includes(value))) return;
  const listed = choices.map((choice) => `'${choice}'`);
  const expected = listed.length === 2 ? `${listed[0]} or ${listed[1]}` : `one of ${listed.join(', ')}`;
  const suggestion = typeof value === 'string' ? didYouMean(value, choices).trim() : '';
  throw new RangeError(`${what}: ${name} must be ${expected}, got ${describeValue(value)}${suggestion === '' ? '' : ` (${suggestion})`}`);
}

/** An AbortSignal (or absent): anything else was ignored, or failed deep inside ("Invalid value used as weak map key"). */
export function checkAbortSignal(signal: unknown, what: string): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: signal must be an AbortSignal (AbortSignal.timeout(ms), or an AbortController's signal), got ${describeValue(signal)}`);
  }
}

/** A callback (or absent). */
export function checkOptionalFunction(value: unknown, name: string, what: string): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${what}: ${name} must be a function, got ${describeValue(value)}`);
}
