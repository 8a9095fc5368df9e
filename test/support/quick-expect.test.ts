/**
 * The quick checks of the model-based test (quick-expect.ts) give vitest's
 * verdicts: they pass what `toBe` / `toEqual` pass, and fail with vitest's
 * message what they fail.
 */
import { describe, expect, it } from 'vitest';
import { expectEmpty, expectEqual, expectSame } from './quick-expect.js';

describe('quick expect', () => {
  it('expectSame is toBe: Object.is, so NaN is NaN and 0 is not -0', () => {
    expectSame(3, 3);
    expectSame(Number.NaN, Number.NaN);
    expect(() => expectSame(3, 4, 'transit: size')).toThrow(/transit: size: expected 3 to be 4/);
    expect(() => expectSame(0, -0)).toThrow(/expected \+0 to be -0/);
    const a = { x: 1 };
    expect(() => expectSame(a, { x: 1 })).toThrow(/serializes to the same string/);
  });

  it('expectEqual is toEqual: deep, typed arrays by content, undefined properties ignored', () => {
    expectEqual({ id: 1, frames: Int32Array.of(4, 5) }, { id: 1, frames: Int32Array.of(4, 5) });
    expectEqual([1, [2, 3]], [1, [2, 3]]);
    // Strictly different, equal to toEqual: vitest decides, and passes it.
    expectEqual({ id: 1, shortBecause: undefined } as { id: number; shortBecause?: string }, { id: 1 });
    expect(() => expectEqual({ id: 1, frames: Int32Array.of(4, 5) }, { id: 1, frames: Int32Array.of(4, 6) }, 'inbox of guest 2')).toThrow(/inbox of guest 2: expected .* to deeply equal/);
    expect(() => expectEqual(['grant'], ['grant', 'releaseAck'])).toThrow(/to deeply equal/);
  });

  it('expectEmpty is toEqual([])', () => {
    expectEmpty([]);
    expect(() => expectEmpty([{ type: 'grant' }], 'inbox of guest 0')).toThrow(/inbox of guest 0: expected \[ { type: 'grant' } \] to deeply equal \[\]/);
    expect(() => expectEmpty(undefined)).toThrow(/expected undefined to deeply equal \[\]/);
  });
});
