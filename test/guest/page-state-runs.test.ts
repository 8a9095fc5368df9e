/**
 * Writing a state into a run of page-state bytes (a word at a time, or
 * eight bytes a store for long runs): the bytes must end up exactly as
 * `fill` leaves them, wherever the bytes start in their buffer and wherever
 * the run starts and ends.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageStateRuns } from '../../src/guest/page-state-runs.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

const params = propertyParams('fill writes what TypedArray fill writes', { numRuns: 300 });

describe(`PageStateRuns ${describeSeed(params.seed)}`, () => {
  it(params.name, () => {
    const fills = fc.array(fc.record({ value: fc.integer({ min: 0, max: 6 }), a: fc.nat({ max: 1100 }), b: fc.nat({ max: 1100 }) }), { minLength: 1, maxLength: 12 });
    assertProperty(
      fc.property(fc.nat({ max: 7 }), fc.integer({ min: 1, max: 1100 }), fills, (byteOffset, length, ops) => {
        // Shared memory, as guests have; the bytes start anywhere in it, and the buffer's end may cut a word.
        const buffer = new SharedArrayBuffer(byteOffset + length + (byteOffset % 3));
        const bytes = new Uint8Array(buffer, byteOffset, length);
        const expected = new Uint8Array(length);
        const runs = new PageStateRuns(bytes);
        for (const { value, a, b } of ops) {
          const low = Math.min(a, b, length);
          const high = Math.min(Math.max(a, b), length);
          runs.fill(value, low, high);
          expected.fill(value, low, high);
        }
        expect(Array.from(bytes)).toEqual(Array.from(expected));
        // Nothing outside the view was touched.
        const all = new Uint8Array(buffer);
        expect(all.subarray(0, byteOffset).every((byte) => byte === 0)).toBe(true);
        expect(all.subarray(byteOffset + length).every((byte) => byte === 0)).toBe(true);
      }),
      params,
    );
  });

  it('fills a long run in the middle of a guest-sized array', () => {
    const bytes = new Uint8Array(new SharedArrayBuffer(4096 + 1000), 4096, 1000);
    new PageStateRuns(bytes).fill(6, 3, 997);
    expect([bytes[2], bytes[3], bytes[500], bytes[996], bytes[997]]).toEqual([0, 6, 6, 6, 0]);
  });
});
