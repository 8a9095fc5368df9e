/** Unit tests of src/runtime/free/worker-recovery.ts: taking back a killed worker's frames from the table. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTable } from '../../../src/host/frame-table.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest } from '../../../src/host/owners.js';
import { recoverDeadWorker, ShardAttribution } from '../../../src/runtime/free/worker-recovery.js';

describe('ShardAttribution', () => {
  it('keeps each shard\'s ranges sorted and merged as runs are added', () => {
    const attribution = new ShardAttribution(2);
    attribution.add(0, Int32Array.of(10, 5, 0, 3));
    attribution.add(0, Int32Array.of(3, 2, 14, 4));
    expect(attribution.of(0)).toEqual([0, 5, 10, 18]);
    expect(attribution.of(1)).toEqual([]);
  });

  it('cuts runs handed back out of the ranges, splitting a range when the cut is inside it', () => {
    const attribution = new ShardAttribution(1);
    attribution.add(0, Int32Array.of(0, 20));
    attribution.subtract(0, Int32Array.of(5, 3));
    expect(attribution.of(0)).toEqual([0, 5, 8, 20]);
    attribution.subtract(0, Int32Array.of(0, 5, 18, 10));
    expect(attribution.of(0)).toEqual([8, 18]);
    attribution.subtract(0, Int32Array.of(30, 2));
    expect(attribution.of(0)).toEqual([8, 18]);
  });

  it('holds exactly the frames added and not cut since, as sorted disjoint ranges, whatever the order and overlap of the runs', () => {
    const runs = fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 })), { maxLength: 30 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), runs), { maxLength: 12 }), (steps) => {
        const attribution = new ShardAttribution(1);
        const held = new Set<number>();
        for (const [adds, pairs] of steps) {
          const flat = Int32Array.from(pairs.flat());
          if (adds) attribution.add(0, flat);
          else attribution.subtract(0, flat);
          for (const [first, count] of pairs) for (let f = first; f < first + count; f++) adds ? held.add(f) : held.delete(f);
        }
        const ranges = attribution.of(0);
        const covered: number[] = [];
        for (let i = 0; i < ranges.length; i += 2) {
          expect(ranges[i]!).toBeLessThan(ranges[i + 1]!);
          if (i > 0) expect(ranges[i]!).toBeGreaterThan(ranges[i - 1]!);
          for (let f = ranges[i]!; f < ranges[i + 1]!; f++) covered.push(f);
        }
        expect(covered).toEqual([...held].sort((a, b) => a - b));
      }),
    );
  });

  it('cuts 20,000 single frames, handed back in reverse order, out of the middle of 20,000 ranges', () => {
    const attribution = new ShardAttribution(1);
    // Ranges [8k, 8k + 3); cuts 8k + 1, the highest first.
    attribution.add(0, Int32Array.from({ length: 40_000 }, (_, i) => (i % 2 === 0 ? i * 4 : 3)));
    attribution.subtract(0, Int32Array.from({ length: 40_000 }, (_, i) => (i % 2 === 0 ? (39_998 - i) * 4 + 1 : 1)));
    const ranges = attribution.of(0);
    expect(ranges).toHaveLength(80_000);
    expect(ranges.slice(0, 6)).toEqual([0, 1, 2, 3, 8, 9]);
    expect(ranges.slice(-4)).toEqual([159_992, 159_993, 159_994, 159_995]);
  });
});

describe('recoverDeadWorker', () => {
  /**
   * 20 frames: 0-3 guest 0's, 4-5 guest 1's, 6-7 in shard 0's pool, 8-9 in shard 1's, 10-14 free
   * (10-12 handed to shard 0 and untouched), 15 the hypervisor's, 16-19 free.
   */
  function world() {
    const table = new FrameTable(20);
    const owners = table.owners;
    for (let f = 0; f < 4; f++) owners[f] = ownerIdOfGuest(0);
    owners[4] = owners[5] = ownerIdOfGuest(1);
    owners[6] = owners[7] = freeOwnerOfShard(0);
    owners[8] = owners[9] = freeOwnerOfShard(1);
    owners[15] = OWNER_HYPERVISOR;
    const attribution = new ShardAttribution(2);
    attribution.add(0, Int32Array.of(10, 3));
    attribution.add(1, Int32Array.of(16, 2));
    return { table, owners, attribution };
  }

  it('takes back a dead guest\'s frames, its dead shard\'s pool and the shard\'s untouched ranges, and nothing else', () => {
    const { table, owners, attribution } = world();
    const recovery = recoverDeadWorker(table, [0], [0], attribution, 2);
    expect([...recovery.fromGuests]).toEqual([[0, 4]]);
    // The untouched range first, then the pass over the table in frame order.
    expect([...recovery.free.view()]).toEqual([10, 3, 0, 4, 6, 2]);
    expect(recovery.free.frames).toBe(9);
    expect([...owners]).toEqual([0, 0, 0, 0, 2, 2, 0, 0, -3, -3, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0]);
    expect(attribution.of(0)).toEqual([]);
    expect(attribution.of(1)).toEqual([16, 18]);
  });

  it('does not count an attributed frame that is no longer free (the shard used it)', () => {
    const { table, owners, attribution } = world();
    owners[11] = ownerIdOfGuest(1);
    const recovery = recoverDeadWorker(table, [], [0], attribution, 2);
    expect([...recovery.free.view()]).toEqual([10, 1, 12, 1, 6, 2]);
    expect(recovery.fromGuests.size).toBe(0);
    expect(owners[11]).toBe(ownerIdOfGuest(1));
  });

  it('recovers several guests and shards at once, counting each guest\'s frames', () => {
    const { table, owners, attribution } = world();
    const recovery = recoverDeadWorker(table, [0, 1], [0, 1], attribution, 2);
    expect([...recovery.fromGuests]).toEqual([
      [0, 4],
      [1, 2],
    ]);
    expect(recovery.free.frames).toBe(4 + 2 + 2 + 2 + 3 + 2);
    expect([...owners].filter((o) => o !== OWNER_FREE)).toEqual([OWNER_HYPERVISOR]);
  });
});
