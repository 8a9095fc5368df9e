/**
 * Checks of a library function's options object, shared by the functions that
 * take one (simulate, simulateFree, simulateStream, sweep): a misspelt key is
 * refused with a did-you-mean instead of being ignored, and a signal or a
 * callback of the wrong type is refused before anything runs instead of
 * failing deep inside. Messages start with the function's name (`what`).
 */
import { describeValue, didYouMean } from './suggest.js';

/** Refuses keys of `options` outside `keys`, naming them, the closest known one and the list. */
export function refuseUnknownOptions(options: object, keys: ReadonlyArray<string>, what: string): void {
  const unknown = Object.keys(options).filter((key) => !keys.includes(key));
  if (unknown.length === 0) return;
  throw new TypeError(
    `${what}: unknown option${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => JSON.stringify(key)).join(', ')} (${didYouMean(unknown[0]!, keys)}the options are ${keys.join(', ')})`,
  );
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
