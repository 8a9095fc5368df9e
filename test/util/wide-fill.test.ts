import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WideFill } from '../../src/util/wide-fill.js';

describe('WideFill', () => {
  it('fills exactly the bytes Uint8Array.fill would, wherever the array starts in its buffer', () => {
    fc.assert(
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
