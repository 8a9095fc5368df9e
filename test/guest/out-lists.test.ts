/**
 * The out pages of a component, one list per touch-rate bucket; each out
 * page's logical entry is -(slot + 1). With room in the arena the lists are
 * slices of one region, and behave exactly as lists of their own; the room
 * a component gives them holds every bucket at every size up to its curve's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPattern, BUCKETS } from '../../src/guest/access-pattern.js';
import { grownCapacity, OutLists, outRoom } from '../../src/guest/out-lists.js';
import type { WorkloadComponent } from '../../src/model/scenario.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

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

describe('OutLists with room in the arena', () => {
  it('takes one region at the first page out, a slice per bucket, and counts what has been written of it', () => {
    const out = new OutLists();
    out.arenaRoom([3, 0, 5, 1, 1, 1, 10]);
    const logical = new Int32Array(100);
    out.add(logical, 7, 2);
    const lists = out.lists;
    expect(lists.map((list) => list.length)).toEqual([3, 0, 5, 1, 1, 1, 10]);
    const buffer = lists[0]!.buffer;
    expect(lists.every((list) => list.length === 0 || list.buffer === buffer)).toBe(true);
    // Slices one after another, in bucket order: no two overlap.
    expect(lists[2]!.byteOffset).toBe(lists[0]!.byteOffset + 3 * 4);
    expect(lists[6]!.byteOffset).toBe(lists[5]!.byteOffset + 4);
    out.add(logical, 8, 2);
    out.remove(logical, 7, 2);
    // Two entries of bucket 2's slice were written: 8 bytes, not the slice's 20.
    expect(out.bytes).toBe(8);
  });

  it('goes on in a list of its own when a bucket outgrows its slice, keeping its pages in order', () => {
    const out = new OutLists();
    out.arenaRoom([2, 2, 2, 2, 2, 2, 2]);
    const logical = new Int32Array(10);
    for (const index of [4, 5, 6]) out.add(logical, index, 1);
    expect(out.lists[1]!.length).toBe(256);
    expect(Array.from(out.lists[1]!.subarray(0, 3))).toEqual([4, 5, 6]);
    expect(Array.from(logical.subarray(4, 7))).toEqual([-1, -2, -3]);
    expect(out.bytes).toBe(256 * 4);
    // The neighbour's slice was not touched.
    out.add(logical, 9, 2);
    expect(out.lists[2]!.length).toBe(2);
  });

  it('refuses room of the wrong shape, or given after the lists took their place', () => {
    expect(() => new OutLists().arenaRoom([1, 2])).toThrow(/7 whole numbers/);
    expect(() => new OutLists().arenaRoom([1, 2, 3, 4, 5, 6, -1])).toThrow(/7 whole numbers/);
    const out = new OutLists();
    out.arenaRoom([1, 1, 1, 1, 1, 1, 1]);
    out.add(new Int32Array(4), 0, 0);
    expect(() => out.arenaRoom([1, 1, 1, 1, 1, 1, 1])).toThrow(/already/);
  });

  const same = propertyParams('lists in the arena end every step as lists of their own', { numRuns: 200 });
  it(`${same.name} ${describeSeed(same.seed)}`, () => {
    const step = fc.record({ add: fc.boolean(), bucket: fc.nat(BUCKETS - 1), pick: fc.nat() });
    assertProperty(
      fc.property(fc.array(fc.nat(40), { minLength: BUCKETS, maxLength: BUCKETS }), fc.array(step, { maxLength: 300 }), (room, steps) => {
        const inArena = new OutLists();
        inArena.arenaRoom(room);
        const own = new OutLists();
        const pages = 400;
        const logicalA = new Int32Array(pages);
        const logicalB = new Int32Array(pages);
        // Which bucket each out page is in (-1: not out).
        const bucketOf = new Int32Array(pages).fill(-1);
        for (const { add, bucket, pick } of steps) {
          if (add) {
            const index = pick % pages;
            if (bucketOf[index] !== -1) continue;
            inArena.add(logicalA, index, bucket);
            own.add(logicalB, index, bucket);
            bucketOf[index] = bucket;
          } else {
            const count = own.counts[bucket]!;
            if (count === 0) continue;
            const index = own.lists[bucket]![pick % count]!;
            inArena.remove(logicalA, index, bucket);
            own.remove(logicalB, index, bucket);
            bucketOf[index] = -1;
          }
          expect(Array.from(inArena.counts)).toEqual(Array.from(own.counts));
          for (let b = 0; b < BUCKETS; b++) {
            expect(Array.from(inArena.lists[b]!.subarray(0, inArena.counts[b]!))).toEqual(Array.from(own.lists[b]!.subarray(0, own.counts[b]!)));
          }
          expect(Array.from(logicalA)).toEqual(Array.from(logicalB));
        }
      }),
      same,
    );
  });

  const room = propertyParams('a component\'s room holds every bucket at every size up to its curve\'s', { numRuns: 300 });
  it(`${room.name} ${describeSeed(room.seed)}`, () => {
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 5000 }), (percent, roomPages) => {
        const spec: WorkloadComponent = { kind: 'anon', name: 'anon-0', size: { kind: 'constant', bytes: 0 }, hotFraction: percent / 100 };
        const pattern = new AccessPattern(spec, 1000);
        const most = outRoom(pattern, roomPages);
        for (let size = 0; size <= roomPages; size++) {
          const hot = pattern.hotPages(size);
          for (let bucket = 0; bucket < BUCKETS; bucket++) {
            const width = pattern.bucketEnd(bucket, hot, size) - pattern.bucketStart(bucket, hot);
            if (width > most[bucket]!) throw new Error(`bucket ${bucket} holds ${width} pages at size ${size}, room ${most[bucket]} (hot ${percent} %, room ${roomPages} pages)`);
          }
        }
      }),
      room,
    );
  });
});
