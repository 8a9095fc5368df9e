/** The out pages of a component, one list per touch-rate bucket; each out page's logical entry is -(slot + 1). */
import { describe, expect, it } from 'vitest';
import { BUCKETS } from '../../src/guest/access-pattern.js';
import { grownCapacity, OutLists } from '../../src/guest/out-lists.js';

describe('grownCapacity', () => {
  it('grows by a quarter, at least to what is needed and to the minimum', () => {
    expect(grownCapacity(1000, 1001, 256)).toBe(1250);
    expect(grownCapacity(0, 1, 256)).toBe(256);
    expect(grownCapacity(100, 500, 16)).toBe(500);
  });
});

describe('OutLists', () => {
  it('starts empty in every bucket', () => {
    const out = new OutLists();
    expect(out.lists).toHaveLength(BUCKETS);
    expect(out.total).toBe(0);
    expect(out.bytes).toBe(0);
  });

  it('adds pages at the end of their bucket and writes their slot into the logical entry', () => {
    const out = new OutLists();
    const logical = new Int32Array(10);
    out.add(logical, 3, 0);
    out.add(logical, 7, 0);
    out.add(logical, 5, 2);
    expect(Array.from(logical)).toEqual([0, 0, 0, -1, 0, -1, 0, -2, 0, 0]);
    expect(out.counts[0]).toBe(2);
    expect(out.counts[2]).toBe(1);
    expect(out.total).toBe(3);
    expect(Array.from(out.lists[0]!.subarray(0, 2))).toEqual([3, 7]);
    // The first list grew to 256 entries of 4 bytes, as did the third.
    expect(out.bytes).toBe(2 * 256 * 4);
  });

  it('removes a page by moving the last one into its slot, and keeps that page\'s entry right', () => {
    const out = new OutLists();
    const logical = new Int32Array(10);
    for (const index of [1, 2, 3, 4]) out.add(logical, index, 1);
    out.remove(logical, 2, 1);
    expect(out.counts[1]).toBe(3);
    expect(Array.from(out.lists[1]!.subarray(0, 3))).toEqual([1, 4, 3]);
    expect(logical[4]).toBe(-2);
    // Removing the last entry moves nothing.
    out.remove(logical, 3, 1);
    expect(Array.from(out.lists[1]!.subarray(0, 2))).toEqual([1, 4]);
    expect(logical[1]).toBe(-1);
    expect(out.total).toBe(2);
  });

  it('keeps every slot right through many adds and removes (deterministic order)', () => {
    const out = new OutLists();
    const logical = new Int32Array(2000);
    for (let index = 0; index < 2000; index++) out.add(logical, index, index % BUCKETS);
    for (let index = 0; index < 2000; index += 3) {
      out.remove(logical, index, index % BUCKETS);
      logical[index] = 1;
    }
    let total = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const list = out.lists[bucket]!;
      for (let slot = 0; slot < out.counts[bucket]!; slot++) {
        const index = list[slot]!;
        expect(index % BUCKETS).toBe(bucket);
        expect(logical[index]).toBe(-(slot + 1));
        total++;
      }
    }
    expect(total).toBe(2000 - 667);
    expect(out.total).toBe(total);
  });
});
