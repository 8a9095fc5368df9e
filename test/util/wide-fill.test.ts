/**
 * WideFill: the bytes must end up exactly as `Uint8Array.fill` leaves them,
 * wherever the bytes start in their buffer and wherever a run starts and
 * ends, for short runs (a word at a time) and long ones (eight bytes a store,
 * past 1,024 bytes), and nothing around the array is written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WideFill } from '../../src/util/wide-fill.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

const params = propertyParams('fill writes what TypedArray fill writes', { numRuns: 300 });
const aroundParams = propertyParams('fill leaves the bytes around the array as they are', { numRuns: 100 });

describe(`WideFill over runs of page states ${describeSeed(params.seed)}`, () => {
  it(params.name, () => {
    const fills = fc.array(fc.record({ value: fc.integer({ min: 0, max: 6 }), a: fc.nat({ max: 1100 }), b: fc.nat({ max: 1100 }) }), { minLength: 1, maxLength: 12 });
    assertProperty(
      fc.property(fc.nat({ max: 7 }), fc.integer({ min: 1, max: 1100 }), fills, (byteOffset, length, ops) => {
        // Shared memory, as guests have; the bytes start anywhere in it, and the buffer's end may cut a word.
        const buffer = new SharedArrayBuffer(byteOffset + length + (byteOffset % 3));
        const bytes = new Uint8Array(buffer, byteOffset, length);
        const expected = new Uint8Array(length);
        const runs = new WideFill(bytes);
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
    new WideFill(bytes).fill(6, 3, 997);
    expect([bytes[2], bytes[3], bytes[500], bytes[996], bytes[997]]).toEqual([0, 6, 6, 6, 0]);
  });
});

describe(`WideFill ${describeSeed(aroundParams.seed)}`, () => {
  it(aroundParams.name, () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (offset, length, fills) => {
          const shared = new SharedArrayBuffer(offset + length + 16);
          const bytes = new Uint8Array(shared, offset, length);
          const expected = new Uint8Array(length);
          for (let i = 0; i < length; i++) bytes[i] = expected[i] = (i * 7 + 3) & 0xff;
          // The bytes around the array must stay as they are.
          new Uint8Array(shared, 0, offset).fill(0xee);
          new Uint8Array(shared, offset + length).fill(0xee);
          const filler = new WideFill(bytes);
          for (const [a, b, value] of fills) {
            const from = length === 0 ? 0 : a % (length + 1);
            const to = from + (length === 0 ? 0 : b % (length - from + 1));
            filler.fill(value, from, to);
            expected.fill(value, from, to);
          }
          expect(Array.from(bytes)).toEqual(Array.from(expected));
          expect(new Uint8Array(shared, 0, offset).every((byte) => byte === 0xee)).toBe(true);
          expect(new Uint8Array(shared, offset + length).every((byte) => byte === 0xee)).toBe(true);
        },
      ),
      aroundParams,
    );
  });

  it('fills a long run through whole 8-byte words and the ragged ends', () => {
    const bytes = new Uint8Array(new SharedArrayBuffer(1024), 3, 1000);
    new WideFill(bytes).fill(0xab, 5, 997);
    expect(bytes.subarray(0, 5).every((byte) => byte === 0)).toBe(true);
    expect(bytes.subarray(5, 997).every((byte) => byte === 0xab)).toBe(true);
    expect(bytes.subarray(997).every((byte) => byte === 0)).toBe(true);
  });
});
