/** Shards of consecutive guests, as even as possible, and whole shards dealt to threads round robin. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHARDS_MAX, shardLayout, shardsPerThread } from '../../../src/host/manager/shards.js';

describe('shardLayout', () => {
  it('splits guests into consecutive groups whose sizes differ by at most one, the larger first', () => {
    const layout = shardLayout(7, 3);
    expect(layout.shards).toBe(3);
    expect(layout.guestsOf).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(Array.from(layout.shardOf)).toEqual([0, 0, 0, 1, 1, 2, 2]);
  });

  it('has one shard per guest by default, up to 64, never more shards than guests and at least one', () => {
    expect(shardLayout(10).shards).toBe(10);
    expect(shardLayout(1000).shards).toBe(DEFAULT_SHARDS_MAX);
    expect(shardLayout(3, 8).shards).toBe(3);
    expect(shardLayout(0).shards).toBe(1);
    expect(shardLayout(0).guestsOf).toEqual([[]]);
  });

  it('refuses a guest count or a shard count that is not a whole number, naming itself', () => {
    expect(() => shardLayout(-1)).toThrow(/^shardLayout: guests must be a whole number, got -1/);
    expect(() => shardLayout(2.5)).toThrow(/^shardLayout: guests/);
    expect(() => shardLayout(10, 2.5)).toThrow(/^shardLayout: shards must be a whole number from 1 to 65536, got 2\.5/);
  });
});

describe('shardsPerThread', () => {
  it('deals shards round robin, so that every thread gets its share of each run of similar guests', () => {
    const layout = shardLayout(8, 8);
    expect(shardsPerThread(layout, 2)).toEqual([
      [0, 2, 4, 6],
      [1, 3, 5, 7],
    ]);
    expect(shardsPerThread(shardLayout(7), 3)).toEqual([[0, 3, 6], [1, 4], [2, 5]]);
  });

  it('never makes more groups than shards, nor fewer than one', () => {
    const layout = shardLayout(4, 2);
    expect(shardsPerThread(layout, 8)).toEqual([[0], [1]]);
    expect(shardsPerThread(layout, 0)).toEqual([[0, 1]]);
  });

  it('hosts each shard exactly once, whatever the thread count', () => {
    const layout = shardLayout(1000);
    for (const threads of [1, 2, 3, 7, 64, 100]) {
      const hosted = shardsPerThread(layout, threads).flat().sort((a, b) => a - b);
      expect(hosted).toEqual(Array.from({ length: layout.shards }, (_, i) => i));
    }
  });
});
