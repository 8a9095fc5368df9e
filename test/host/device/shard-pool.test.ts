/**
 * Free frames: a shard's pool (untouched ranges and given-back runs, each
 * frame handed out by a compare-exchange on the table), the manager's
 * transit between shards, and the run lists grants are built in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunList } from '../../../src/host/frame-runs.js';
import { ShardPool } from '../../../src/host/device/shard-pool.js';
import { FrameTable } from '../../../src/host/frame-table.js';
import { Transit } from '../../../src/host/manager/shard-balance.js';
import { freeOwnerOfShard, OWNER_FREE } from '../../../src/host/owners.js';
import { framesOfRuns } from '../../../src/messages/protocol.js';

const GUEST = 1;
const OTHER = 2;

function poolOf(frames: number, shard = 3): { table: FrameTable; pool: ShardPool } {
  const table = new FrameTable(frames);
  return { table, pool: new ShardPool(shard, table) };
}

function grantFrames(pool: ShardPool, count: number, owner = GUEST): { given: number; frames: number[] } {
  const out = new RunList();
  const given = pool.grant(owner, count, out);
  return { given, frames: Array.from(framesOfRuns(out.toRuns())) };
}

/** What a device side does with a frame a guest gives back: a compare-exchange to the pool's value, then putBack. */
function giveBack(table: FrameTable, pool: ShardPool, frame: number, owner = GUEST): void {
  expect(table.tryTransfer(frame, owner, pool.freeOwner)).toBe(true);
  pool.putBack(frame);
}

describe('ShardPool.putBackRun', () => {
  it('starts as many runs as it is given, past the room the pool starts with', () => {
    const byRun = poolOf(1_024).pool;
    const byFrame = poolOf(1_024).pool;
    // 100 runs of 2 frames, 4 apart, up and down in turn: none touches another.
    for (let k = 0; k < 100; k++) {
      const step = k % 2 === 0 ? 1 : -1;
      const first = 4 * k + (step === 1 ? 0 : 1);
      byRun.putBackRun(first, 2, step);
      for (let j = 0; j < 2; j++) byFrame.putBack(first + j * step);
    }
    expect(byRun.returnedRuns().length).toBe(200);
    expect(Array.from(byRun.returnedRuns())).toEqual(Array.from(byFrame.returnedRuns()));
  });

  it('keeps the same runs and counts as one putBack per frame, whatever the runs before', () => {
    const run = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom(1 as const, -1 as const));
    fc.assert(
      fc.property(fc.array(run, { maxLength: 8 }), (runs) => {
        const byRun = poolOf(64).pool;
        const byFrame = poolOf(64).pool;
        for (const [first, wanted, step] of runs) {
          // Frames stay in the table (the caller's rule); they need not be the table's, only counted.
          const count = Math.min(wanted, step === 1 ? 64 - first : first + 1);
          byRun.putBackRun(first, count, step);
          for (let k = 0; k < count; k++) byFrame.putBack(first + k * step);
        }
        expect(Array.from(byRun.returnedRuns())).toEqual(Array.from(byFrame.returnedRuns()));
        expect(byRun.returnedFrames).toBe(byFrame.returnedFrames);
        expect(byRun.takeFlow()).toEqual(byFrame.takeFlow());
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('ShardPool', () => {
  it('starts empty and grants nothing', () => {
    const { table, pool } = poolOf(8);
    expect(pool.size).toBe(0);
    expect(pool.freeOwner).toBe(freeOwnerOfShard(3));
    expect(grantFrames(pool, 2)).toEqual({ given: 0, frames: [] });
    expect(pool.takeFlow()).toEqual({ granted: 0, returned: 0 });
    expect(table.transfers).toBe(0);
  });

  it('holds adopted ranges by bookkeeping alone and grants the newest from its low end, one compare-exchange a frame', () => {
    const { table, pool } = poolOf(32);
    pool.adopt(4, 4);
    pool.adopt(20, 6);
    expect({ size: pool.size, untouched: pool.untouchedFrames, returned: pool.returnedFrames }).toEqual({ size: 10, untouched: 10, returned: 0 });
    expect(Array.from(pool.untouchedRanges())).toEqual([4, 8, 20, 26]);
    // Nothing in the table changes until a grant.
    expect(table.countOwners()).toEqual(new Map([[OWNER_FREE, 32]]));
    expect(grantFrames(pool, 3)).toEqual({ given: 3, frames: [20, 21, 22] });
    expect(grantFrames(pool, 5)).toEqual({ given: 5, frames: [23, 24, 25, 4, 5] });
    for (const frame of [20, 21, 22, 23, 24, 25, 4, 5]) expect(table.ownerOf(frame)).toBe(GUEST);
    expect(table.transfers).toBe(8);
    expect(Array.from(pool.untouchedRanges())).toEqual([6, 8]);
    expect(pool.size).toBe(2);
  });

  it('joins a range adopted right after the last one', () => {
    const { pool } = poolOf(16);
    pool.adopt(2, 3);
    pool.adopt(5, 2);
    expect(Array.from(pool.untouchedRanges())).toEqual([2, 7]);
    pool.adopt(9, 0);
    expect(Array.from(pool.untouchedRanges())).toEqual([2, 7]);
  });

  it('grants given-back frames first, the newest first, and marks them with the shard\'s free value while pooled', () => {
    const { table, pool } = poolOf(16);
    pool.adopt(0, 16);
    const first = grantFrames(pool, 6).frames;
    expect(first).toEqual([0, 1, 2, 3, 4, 5]);
    for (const frame of [2, 3, 4, 0]) giveBack(table, pool, frame);
    // 2, 3, 4 join into one run; 0 starts another.
    expect(Array.from(pool.returnedRuns())).toEqual([2, 3, 0, 1]);
    expect(table.ownerOf(3)).toBe(pool.freeOwner);
    expect({ size: pool.size, untouched: pool.untouchedFrames, returned: pool.returnedFrames }).toEqual({ size: 14, untouched: 10, returned: 4 });
    // The newest run first, then the older one from its high end, then untouched frames.
    expect(grantFrames(pool, 3, OTHER).frames).toEqual([0, 3, 4]);
    expect(grantFrames(pool, 3, OTHER).frames).toEqual([2, 6, 7]);
    for (const frame of [0, 3, 4, 2, 6, 7]) expect(table.ownerOf(frame)).toBe(OTHER);
    expect(pool.takeFlow()).toEqual({ granted: 12, returned: 4 });
    expect(pool.takeFlow()).toEqual({ granted: 0, returned: 0 });
  });

  it('joins a frame given back just below the newest run', () => {
    const { table, pool } = poolOf(8);
    pool.adopt(0, 8);
    grantFrames(pool, 8);
    giveBack(table, pool, 5);
    giveBack(table, pool, 4);
    giveBack(table, pool, 6);
    expect(Array.from(pool.returnedRuns())).toEqual([4, 3]);
  });

  it('grants what it has when asked for more', () => {
    const { pool } = poolOf(8);
    pool.adopt(1, 3);
    expect(grantFrames(pool, 5)).toEqual({ given: 3, frames: [1, 2, 3] });
    expect(pool.size).toBe(0);
    expect(pool.takeFlow()).toEqual({ granted: 3, returned: 0 });
  });

  it('never hands out a frame the table says is not free: the exchange fails, is counted, and the frame leaves the pool', () => {
    const { table, pool } = poolOf(8);
    pool.adopt(0, 4);
    // Frame 1 is somebody's although the pool holds it (a broken rebalance).
    expect(table.transfer(1, OWNER_FREE, OTHER)).toBe(true);
    const { given, frames } = grantFrames(pool, 4);
    expect(given).toBe(3);
    expect(frames).toEqual([0, 2, 3]);
    expect(table.ownerOf(1)).toBe(OTHER);
    expect(table.transferFailures).toBe(1);
    expect(table.transferFailureDetails[0]).toEqual({ frame: 1, expectedOwner: OWNER_FREE, foundOwner: OTHER, newOwner: GUEST });
    expect(pool.size).toBe(0);
  });

  it('surrenders untouched frames by bookkeeping first (from the high end), then given-back frames by compare-exchange to OWNER_FREE', () => {
    const { table, pool } = poolOf(16);
    pool.adopt(0, 10);
    grantFrames(pool, 4);
    giveBack(table, pool, 1);
    giveBack(table, pool, 2);
    const transfersBefore = table.transfers;
    const out = new RunList();
    expect(pool.surrender(4, out)).toBe(4);
    expect(Array.from(out.view())).toEqual([6, 4]);
    expect(table.transfers).toBe(transfersBefore);
    out.clear();
    // Asked for more than it holds: all of it, the given-back frames now free in the table.
    expect(pool.surrender(5, out)).toBe(4);
    expect(Array.from(out.view())).toEqual([4, 2, 1, 2]);
    expect([table.ownerOf(1), table.ownerOf(2)]).toEqual([OWNER_FREE, OWNER_FREE]);
    expect(table.transfers).toBe(transfersBefore + 2);
    expect(pool.size).toBe(0);
  });

  it('surrenders across two untouched ranges no more than asked: the whole newest range, then the rest from the high end of the older one', () => {
    const { table, pool } = poolOf(32);
    pool.adopt(0, 4);
    pool.adopt(10, 6);
    const out = new RunList();
    // 6 from [10, 16), then the 2 still owed from [0, 4): not the older range whole.
    expect(pool.surrender(8, out)).toBe(8);
    expect(Array.from(out.view())).toEqual([10, 6, 2, 2]);
    expect(Array.from(pool.untouchedRanges())).toEqual([0, 2]);
    expect(pool.size).toBe(2);
    expect(table.transfers).toBe(0);
  });

  it('says which range it refuses and how many frames the table has', () => {
    const { pool } = poolOf(8);
    expect(() => pool.adopt(6, 3)).toThrow(new RangeError("ShardPool.adopt: [6, 9) is not a range of the table's 8 frames"));
  });

  it('refuses a range outside the table, naming itself', () => {
    const { pool } = poolOf(8);
    for (const [first, count] of [[-1, 2], [6, 3], [0, -1], [1.5, 1], [Number.NaN, 1]] as const) {
      expect(() => pool.adopt(first, count)).toThrow(/^ShardPool\.adopt: /);
    }
    expect(pool.size).toBe(0);
  });
});

describe('Transit', () => {
  it('holds runs, hands out the newest first from their high end, and keeps its size', () => {
    const transit = new Transit();
    transit.add(Int32Array.of(10, 4, 30, 2));
    transit.push(50, 0);
    expect(transit.size).toBe(6);
    expect(Array.from(transit.runs())).toEqual([10, 4, 30, 2]);
    const out = new RunList();
    expect(transit.take(3, out)).toBe(3);
    expect(Array.from(out.view())).toEqual([30, 2, 13, 1]);
    expect(transit.size).toBe(3);
    expect(Array.from(transit.runs())).toEqual([10, 3]);
    out.clear();
    expect(transit.take(10, out)).toBe(3);
    expect(Array.from(out.view())).toEqual([10, 3]);
    expect(transit.size).toBe(0);
    expect(transit.take(1, out)).toBe(0);
  });

  it('grows past its first buffer', () => {
    const transit = new Transit();
    for (let i = 0; i < 100; i++) transit.push(i * 10, 2);
    expect(transit.size).toBe(200);
    expect(transit.runs().length).toBe(200);
    const out = new RunList();
    expect(transit.take(200, out)).toBe(200);
    expect(out.frames).toBe(200);
  });
});

describe('RunList', () => {
  it('joins runs that follow each other, skips empty ones, and copies out exactly the runs', () => {
    const list = new RunList(1);
    list.add(5, 2);
    list.add(7, 3);
    list.add(20, 0);
    list.add(30, 1);
    expect({ runs: list.runs, frames: list.frames }).toEqual({ runs: 2, frames: 6 });
    const copy = list.toRuns();
    expect(Array.from(copy)).toEqual([5, 5, 30, 1]);
    list.clear();
    list.add(1, 1);
    expect(Array.from(copy)).toEqual([5, 5, 30, 1]);
    const other = new RunList();
    other.add(2, 2);
    list.append(other);
    expect(Array.from(list.view())).toEqual([1, 3]);
  });
});
