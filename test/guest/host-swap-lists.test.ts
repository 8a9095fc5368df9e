/**
 * The pages of one component the host paged out, per touch-rate bucket:
 * exact counts, lazily kept lists drawn from at random (stale entries
 * dropped on the way), compaction.
 */
import { describe, expect, it } from 'vitest';
import { BUCKETS } from '../../src/guest/access-pattern.js';
import { HostSwapLists } from '../../src/guest/host-swap-lists.js';
import { Random } from '../../src/util/random.js';

describe('HostSwapLists', () => {
  it('draws live entries at random, drops stale ones, and compacts', () => {
    const lists = new HostSwapLists();
    for (let index = 0; index < 10; index++) lists.add(index, 2);
    lists.remove(2); // one of them left host swap: its entry is stale
    expect(lists.counts[2]).toBe(9);
    const live = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]); // 9 left
    const random = new Random(3);
    const taken: number[] = [];
    for (let i = 0; i < 9; i++) taken.push(lists.take(2, random, (index) => live.has(index)));
    expect(taken.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lists.take(2, random, () => true)).toBe(-1);
    expect(lists.total).toBe(0);
    // Stale entries pile up; compaction keeps the live ones, once each.
    for (let i = 0; i < 200; i++) lists.add(i % 5, 0);
    for (let i = 0; i < 195; i++) lists.remove(0);
    lists.compact((index) => index < 5);
    expect(Array.from(lists.listed(0)).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('starts empty: nothing to draw in any bucket, no bytes', () => {
    const lists = new HostSwapLists();
    expect(lists.bytes).toBe(0);
    for (let bucket = 0; bucket < BUCKETS; bucket++) expect(lists.take(bucket, new Random(1), () => true)).toBe(-1);
  });

  it('counts per bucket and in all, and grows each bucket\'s list by itself', () => {
    const lists = new HostSwapLists();
    lists.add(5, 1);
    lists.add(6, 1);
    lists.add(7, 3);
    expect([lists.counts[1], lists.counts[3], lists.total]).toEqual([2, 1, 3]);
    expect(Array.from(lists.listed(1))).toEqual([5, 6]);
    // Two lists of 64 entries of 4 bytes.
    expect(lists.bytes).toBe(2 * 64 * 4);
    lists.remove(1);
    expect([lists.counts[1], lists.total]).toEqual([1, 2]);
    // The entry is stale, not gone, until drawn or compacted.
    expect(lists.listed(1)).toHaveLength(2);
  });

  it('gives up on a bucket whose entries are all stale, and compacts nothing within the slack', () => {
    const lists = new HostSwapLists();
    for (let i = 0; i < 10; i++) lists.add(i, 0);
    expect(lists.take(0, new Random(2), () => false)).toBe(-1);
    expect(lists.counts[0]).toBe(10);
    expect(lists.listed(0)).toHaveLength(0);
    for (let i = 0; i < 10; i++) lists.add(i, 4);
    lists.compact(() => false);
    // 10 entries for 10 live pages: within 2 x live + 64, left alone.
    expect(lists.listed(4)).toHaveLength(10);
  });

  it('counts the bytes of its lists as they grow past their first size and shrink when compacted', () => {
    const lists = new HostSwapLists();
    for (let i = 0; i < 1000; i++) lists.add(i, 2);
    // 64, then half as much again each time: 64, 96, 144, 216, 324, 486, 729, 1093 entries.
    expect(lists.bytes).toBe(1093 * 4);
    lists.add(0, 5);
    expect(lists.bytes).toBe((1093 + 64) * 4);
    for (let i = 0; i < 990; i++) lists.remove(2);
    lists.compact((index) => index < 10);
    // 10 live entries: the list is cut to 2 x (10 + 64) entries.
    expect(Array.from(lists.listed(2))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(lists.bytes).toBe((2 * (10 + 64) + 64) * 4);
  });
});
