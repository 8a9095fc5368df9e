/**
 * How a message id travels in 32-bit words (the guest's outbox on the wire,
 * the guest's inbox while it waits): two words, low then high, so that ids
 * stay exact up to 2^53.
 */

const TWO_32 = 2 ** 32;

/** The low word of an id. */
export function idLowWord(id: number): number {
  return id % TWO_32 | 0;
}

/** The high word of an id. */
export function idHighWord(id: number): number {
  return Math.floor(id / TWO_32) | 0;
}

/** The id of its two words. */
export function idOfWords(low: number, high: number): number {
  return high * TWO_32 + (low >>> 0);
}
