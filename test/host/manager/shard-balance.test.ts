/**
 * Free frames between shards: the manager's transit (a stack of runs) and
 * the balancer's plan from the shards' published figures: each shard's mark
 * is its expected demand (grants averaged with weight 0.3, plus what it
 * could not grant); shards owed frames adopt them first, then shards well
 * below their marks; pools well above surrender down to them at the tick's end.
 */
import { describe, expect, it } from 'vitest';
import { HostFiguresBuffer, ShardSlot } from '../../../src/host/device/device-figures.js';
import { RunList } from '../../../src/host/frame-runs.js';
import { ShardBalancer, Transit } from '../../../src/host/manager/shard-balance.js';
import { shardLayout } from '../../../src/host/manager/shards.js';

describe('Transit', () => {
  it('hands out the newest runs first, from their high end, and keeps its size', () => {
    const transit = new Transit();
    transit.add(Int32Array.of(0, 100, 500, 10));
    transit.push(900, 0);
    expect(transit.size).toBe(110);
    const out = new RunList();
    expect(transit.take(15, out)).toBe(15);
    // All of run (500, 10), then the top 5 frames of (0, 100).
    expect(Array.from(out.toRuns())).toEqual([500, 10, 95, 5]);
    expect(transit.size).toBe(95);
    expect(Array.from(transit.runs())).toEqual([0, 95]);
    expect(transit.take(1000, out)).toBe(95);
    expect(transit.size).toBe(0);
    expect(transit.take(1, out)).toBe(0);
  });

  it('grows past its first room', () => {
    const transit = new Transit();
    for (let i = 0; i < 100; i++) transit.push(i * 10, 2);
    expect(transit.size).toBe(200);
    expect(transit.runs().length).toBe(200);
  });
});

function balancer(shards: number) {
  const layout = shardLayout(shards, shards);
  const figures = new HostFiguresBuffer(shards, shards);
  const b = new ShardBalancer(layout, figures);
  for (let shard = 0; shard < shards; shard++) b.started(shard, 0);
  const publish = (shard: number, slots: { pool?: number; granted?: number; unmet?: number; adopted?: number; surrendered?: number }) => {
    const at = figures.beginShard(shard);
    figures.values[at + ShardSlot.POOL] = slots.pool ?? 0;
    figures.values[at + ShardSlot.UNTOUCHED] = 0;
    figures.values[at + ShardSlot.GRANTED] = slots.granted ?? 0;
    figures.values[at + ShardSlot.UNMET] = slots.unmet ?? 0;
    figures.values[at + ShardSlot.ADOPTED] = slots.adopted ?? 0;
    figures.values[at + ShardSlot.SURRENDERED] = slots.surrendered ?? 0;
    figures.endShard(shard);
  };
  return { b, publish };
}

describe('ShardBalancer', () => {
  it('with no demand, keeps everything in transit and lets each pool keep 256 frames before it surrenders', () => {
    const { b } = balancer(2);
    b.transit.push(0, 10_000);
    const orders = b.plan(Float64Array.of(1, 1), 0);
    expect(orders.adopt).toEqual([]);
    expect(Array.from(orders.keep)).toEqual([256, 0, 256, 0]);
    expect(b.freeFrames).toBe(10_000);
  });

  it('sends a shard what it could not grant first, before its guests step', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 10_000);
    publish(0, { granted: 0, unmet: 500 });
    b.read();
    expect(b.unmetFrames).toBe(500);
    const orders = b.plan(Float64Array.of(1, 1), 0);
    expect(orders.adopt.map((a) => [a.shard, a.runs.reduce((sum, v, i) => (i % 2 === 1 ? sum + v : sum), 0)])).toEqual([[0, 500]]);
    expect(b.transit.size).toBe(9500);
    // Transit's frames are untouched (OWNER_FREE): they count in the shard's pool and its untouched frames at once.
    expect([b.pool[0], b.untouched[0]]).toEqual([500, 500]);
  });

  it('raises a pool to its mark (average grants: 0.3 of the last tick) when it is short by at least 256 frames and a quarter of its mark', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 100_000);
    publish(0, { granted: 10_000 });
    publish(1, { granted: 500 });
    b.read();
    const orders = b.plan(Float64Array.of(1, 1), 0);
    // Marks: 3000 and 150; shard 1's 150 is short of the 256-frame minimum move.
    expect(Array.from(orders.keep)).toEqual([Math.floor(3000 * 1.25) + 256, 3000, Math.floor(150 * 1.25) + 256, 150]);
    expect(orders.adopt.map((a) => a.shard)).toEqual([0]);
    expect(b.pool[0]).toBe(3000);
  });

  it('raises a pool short by exactly the least move (256 frames, or a quarter of its mark when that is more), not one frame less', () => {
    const adopted = (pool: number, granted: number): number[] => {
      const { b, publish } = balancer(1);
      b.transit.push(0, 100_000);
      publish(0, { pool, granted });
      b.read();
      return b.plan(Float64Array.of(1), 0).adopt.map((a) => a.runs[1]!);
    };
    // Mark 600 (0.3 × 2000): a quarter is 150, so 256 is the least move.
    expect(adopted(600 - 256, 2000)).toEqual([256]);
    expect(adopted(600 - 255, 2000)).toEqual([]);
    // Mark 3000: a quarter, 750, is the least move.
    expect(adopted(3000 - 750, 10_000)).toEqual([750]);
    expect(adopted(3000 - 749, 10_000)).toEqual([]);
  });

  it('averages each shard\'s grants over ticks: the last tick weighs 0.3, the average before it 0.7', () => {
    const { b, publish } = balancer(1);
    b.transit.push(0, 100_000);
    publish(0, { granted: 10_000 });
    b.read();
    expect(b.plan(Float64Array.of(1), 0).keep[1]).toBe(3000);
    publish(0, { granted: 1000 });
    b.read();
    // 0.7 × 3000 + 0.3 × 1000.
    expect(b.plan(Float64Array.of(1), 0).keep[1]).toBe(2400);
  });

  it('expects no demand of a shard with no live guests (weight 0), whatever it granted last, and no share of free memory', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 100_000);
    publish(0, { granted: 10_000 });
    publish(1, { granted: 10_000 });
    b.read();
    const orders = b.plan(Float64Array.of(1, 0), 0);
    expect(Array.from(orders.keep)).toEqual([Math.floor(3000 * 1.25) + 256, 3000, 256, 0]);
    expect(orders.adopt.map((a) => a.shard)).toEqual([0]);
    // No shard with live guests at all: no demand, no marks (and no division by the zero weight sum).
    const idle = balancer(2);
    idle.b.transit.push(0, 100_000);
    expect(Array.from(idle.b.plan(Float64Array.of(0, 0), 0).keep)).toEqual([256, 0, 256, 0]);
  });

  it('splits free memory by demand when demand is more than there is', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 1000);
    publish(0, { granted: 10_000 });
    publish(1, { granted: 30_000 });
    b.read();
    const orders = b.plan(Float64Array.of(1, 1), 0);
    // Demand 3000 and 9000 for 1000 free frames: marks 250 and 750.
    expect([orders.keep[1], orders.keep[3]]).toEqual([250, 750]);
  });

  it('leaves the reserve\'s frames in transit, and makes every pool give up what it holds above its mark when transit lacks them', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 1000);
    publish(0, { pool: 5000, unmet: 2000 });
    b.read();
    const orders = b.plan(Float64Array.of(1, 1), 800);
    // Only 200 of transit may go to shard 0's unmet 2000.
    expect(orders.adopt.map((a) => a.shard)).toEqual([0]);
    expect(b.transit.size).toBe(800);
    const quiet = balancer(1);
    quiet.b.transit.push(0, 100);
    const tight = quiet.b.plan(Float64Array.of(1), 500);
    expect(tight.keep[0]).toBe(tight.keep[1]);
  });

  it('hands out no more than transit holds above the reserve, across shards, even to shards owed fewer frames than the least move', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 1000);
    publish(0, { unmet: 150 });
    publish(1, { unmet: 300 });
    b.read();
    const orders = b.plan(Float64Array.of(1, 1), 800);
    // Shard 0's 150 (fewer than 256: waiting grants get what they are owed), then the 50 left above the reserve.
    expect(orders.adopt.map((a) => [a.shard, a.runs[1]])).toEqual([
      [0, 150],
      [1, 50],
    ]);
    expect(b.transit.size).toBe(800);
    // 200 free frames beyond the reserve, split by demand (150 and 300); transit is at the reserve, not below it.
    expect(Array.from(orders.keep)).toEqual([Math.floor(66 * 1.25) + 256, 66, Math.floor(133 * 1.25) + 256, 133]);
  });

  it('with less free memory than the reserve needs, marks every shard 0 and makes every pool give up all it holds', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 100);
    publish(0, { granted: 1000 });
    b.read();
    expect(Array.from(b.plan(Float64Array.of(1, 1), 500).keep)).toEqual([0, 0, 0, 0]);
    // The same with no demand at all (no division of nothing by nothing).
    const quiet = balancer(1);
    quiet.b.transit.push(0, 100);
    expect(Array.from(quiet.b.plan(Float64Array.of(1), 500).keep)).toEqual([0, 0]);
    // Transit exactly at the reserve lacks nothing: pools keep their slack.
    const even = balancer(1);
    even.b.transit.push(0, 500);
    expect(Array.from(even.b.plan(Float64Array.of(1), 500).keep)).toEqual([256, 0]);
  });

  // Frames adopted for what a shard could not grant count once against its mark (they were once counted twice, and
  // the shard got nothing toward its average demand). Here: mark 300 + 500 = 800, 500 adopted for the waiting
  // grants, so 300 more are due (at least 256 and a quarter of 800).
  it('raises a shard that was owed frames to its mark as well (the frames owed go to its waiting grants)', () => {
    const { b, publish } = balancer(1);
    b.transit.push(0, 100_000);
    publish(0, { granted: 1000, unmet: 500 });
    b.read();
    b.plan(Float64Array.of(1), 0);
    expect(b.pool[0]).toBeGreaterThanOrEqual(800);
  });

  // Free-running mode: the manager reads a shard's figures whenever a batch comes, while its orders and the
  // shard's reports are on their way. Frames ordered to a shard were once invisible until it adopted them: the
  // manager sent the same unmet demand again at every tick (a Hyper-V deflate drained transit three times over),
  // and free memory looked short by them (the host went to the low state with a third of its memory free, and host
  // reclaim cut the targets of the guests it was deflating).
  it('counts frames on their way to a shard in its pool and against its unmet demand, so stale figures do not get them again', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 10_000);
    publish(0, { unmet: 500 });
    b.read();
    expect(b.plan(Float64Array.of(1, 1), 0).adopt.map((a) => a.shard)).toEqual([0]);
    // The shard has not adopted them yet: its figures are those it published before.
    b.read();
    expect([b.pool[0], b.unmetFrames, b.freeFrames]).toEqual([500, 0, 10_000]);
    // Transit's frames are untouched (OWNER_FREE): on their way they count in the shard's untouched frames too.
    expect([b.untouched[0], b.untouchedTotal]).toEqual([500, 500]);
    expect(b.plan(Float64Array.of(1, 1), 0).adopt).toEqual([]);
    expect(b.transit.size).toBe(9500);
    // Adopted (and granted: the pool is empty again): nothing on its way any more.
    publish(0, { pool: 0, granted: 500, adopted: 500 });
    b.read();
    expect([b.pool[0], b.freeFrames]).toEqual([0, 9500]);
  });

  it('counts frames a shard surrendered as free until its report brings them to transit, and then once', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 1000);
    publish(1, { pool: 200, surrendered: 300 });
    b.read();
    expect(b.freeFrames).toBe(1500);
    b.surrendered(1, Int32Array.of(5000, 300));
    expect([b.transit.size, b.freeFrames]).toEqual([1300, 1500]);
    b.read();
    expect(b.freeFrames).toBe(1500);
  });

  // Free-running mode: a shard's surrenders reach transit in several reports, and its published total may count
  // surrenders whose reports are still on their way.
  it('keeps counting the rest of a surrender as free when only part of it has reached transit', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 1000);
    publish(1, { pool: 200, surrendered: 300 });
    b.read();
    b.surrendered(1, Int32Array.of(5000, 100));
    // 200 of the 300 are still on their way: free, in neither the pool's figure nor transit.
    expect([b.transit.size, b.freeFrames]).toEqual([1100, 1500]);
    b.surrendered(1, Int32Array.of(6000, 200));
    expect([b.transit.size, b.freeFrames]).toEqual([1300, 1500]);
  });

  it('forgets what was on its way to or from a shard that died with its thread', () => {
    const { b, publish } = balancer(2);
    b.transit.push(0, 1000);
    publish(0, { unmet: 400, surrendered: 100 });
    b.read();
    b.plan(Float64Array.of(1, 1), 0);
    b.retire(0);
    // A retired shard's figures are all zero (HostFiguresBuffer.retireShard).
    publish(0, {});
    b.read();
    expect([b.pool[0], b.freeFrames]).toEqual([0, 600]);
  });
});
