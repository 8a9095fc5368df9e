/** The value tests that the protocol's checks (the wire's and the host's) share. */
import { describe, expect, it } from 'vitest';
import { isChoice, isCount, isFraction, isFrames, isId, isInt32 } from '../../src/messages/check-values.js';

const frames = (count: number): Int32Array => new Int32Array(count);

describe('the value tests', () => {
  it('isCount: a safe whole number from 0 to the limit', () => {
    expect([0, 5, 10].map((value) => isCount(value, 10))).toEqual([true, true, true]);
    expect([-1, 11, 0.5, Number.NaN, Infinity, '3', 2 ** 53].map((value) => isCount(value, 2 ** 60))).toEqual([false, true, false, false, false, false, false]);
  });

  it('isId: a safe whole number of at least 0', () => {
    expect([0, 1, 2 ** 53 - 1].map(isId)).toEqual([true, true, true]);
    expect([-1, 0.5, 2 ** 53, '1', null, Number.NaN].map(isId)).toEqual([false, false, false, false, false, false]);
  });

  it('isFraction: a number from 0 to 1', () => {
    expect([0, 0.25, 1].map(isFraction)).toEqual([true, true, true]);
    expect([-0.01, 1.01, '0.5', Number.NaN, null].map(isFraction)).toEqual([false, false, false, false, false]);
  });

  it('isInt32: a whole number that fits one word', () => {
    expect([0, -1, 2 ** 31 - 1, -(2 ** 31)].map(isInt32)).toEqual([true, true, true, true]);
    expect([2 ** 31, -(2 ** 31) - 1, 0.5, Number.NaN, '1', null].map(isInt32)).toEqual([false, false, false, false, false, false]);
    // Values a structured clone carries that `| 0` throws on: refused, not thrown on.
    expect([1n, Symbol('1')].map(isInt32)).toEqual([false, false]);
  });

  it('isChoice: an own key of the codes, never an inherited one', () => {
    const codes = { stall: 0, oom: 1 };
    expect(['stall', 'oom'].map((value) => isChoice(value, codes))).toEqual([true, true]);
    expect(['bored', 'toString', '__proto__', 0, null, undefined].map((value) => isChoice(value, codes))).toEqual([false, false, false, false, false, false]);
  });

  it('isFrames: an Int32Array of at most the limit', () => {
    expect(isFrames(frames(3), 3)).toBe(true);
    expect(isFrames(frames(4), 3)).toBe(false);
    expect(isFrames(new Uint32Array(1), 3)).toBe(false);
    expect(isFrames([1], 3)).toBe(false);
    // An object that only borrows Int32Array's prototype passes instanceof but is no view: refused, not thrown on
    // (its length getter would throw).
    expect(isFrames(Object.create(Int32Array.prototype), 3)).toBe(false);
  });
});
