/**
 * The value tests the protocol's checks share (the wire's in
 * runtime/wire-codec.ts and the host's shape checks in guest-to-host.ts),
 * written once: a message comes from another thread, so a hostile or broken
 * guest can put anything in any field.
 */

/** A whole number from 0 to `max`. */
export function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

/** A message id: a whole number of at least 0. */
export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A number that fits one word of the wire: a whole number from -2^31 to 2^31-1. */
export function isInt32(value: unknown): value is number {
  return typeof value === 'number' && (value | 0) === value;
}

/** A fraction from 0 to 1. */
export function isFraction(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}

/** A batch of frame numbers of at most `max` entries. */
export function isFrames(value: unknown, max: number): value is Int32Array {
  return value instanceof Int32Array && ArrayBuffer.isView(value) && value.length <= max;
}

/** One of the values of a choice: an own key of `codes` (its wire codes). */
export function isChoice<V extends string>(value: unknown, codes: Readonly<Record<V, number>>): value is V {
  return typeof value === 'string' && Object.hasOwn(codes, value);
}
