/** Unit tests of src/runtime/run-setup.ts: building a run, what each thread hosts, and the audit's table slices. */
import { describe, expect, it } from 'vitest';
import { FrameTable } from '../../src/host/frame-table.js';
import { ownerBitsOf, prepareRun, tableSlices, threadSetups } from '../../src/runtime/run-setup.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import { tinyScenario } from '../support/tiny-run.js';

describe('tableSlices', () => {
  it('cuts the table into consecutive slices that cover it exactly, sizes differing by at most one', () => {
    expect(tableSlices(10, 3)).toEqual([
      { sliceStart: 0, sliceEnd: 3 },
      { sliceStart: 3, sliceEnd: 6 },
      { sliceStart: 6, sliceEnd: 10 },
    ]);
    expect(tableSlices(7, 1)).toEqual([{ sliceStart: 0, sliceEnd: 7 }]);
    expect(tableSlices(2, 4).map((s) => s.sliceEnd - s.sliceStart)).toEqual([0, 1, 0, 1]);
  });
});

describe('prepareRun', () => {
  it('makes the table, the shared memory and an init for each guest, with seeds derived from the run seed', async () => {
    const setup = await prepareRun(tinyScenario(), { seed: 77 });
    expect(setup.seed).toBe(77);
    expect(setup.faults).toBeNull();
    expect(setup.table.frames).toBe((64 * MiB) / 4096);
    // Two guests' owner values fit 16 bits: the table is an Int16Array.
    expect(setup.table.ownerBits).toBe(16);
    expect(setup.table.owners).toBeInstanceOf(Int16Array);
    expect(setup.shared.map((views) => views.pages)).toEqual([4096, 4096]);
    expect(setup.inits.map((init) => [init.index, init.spec.name, init.tickMs, init.frameBytes])).toEqual([
      [0, 'a', 1000, 4096],
      [1, 'b', 1000, 4096],
    ]);
    expect(setup.inits[0]!.seed).not.toBe(setup.inits[1]!.seed);
    const again = await prepareRun(tinyScenario(), { seed: 77 });
    expect(again.inits.map((init) => init.seed)).toEqual(setup.inits.map((init) => init.seed));
    const other = await prepareRun(tinyScenario(), { seed: 78 });
    expect(other.inits[0]!.seed).not.toBe(setup.inits[0]!.seed);
  });

  it('takes a table of the right size, and refuses one of another', async () => {
    const table = new FrameTable((64 * MiB) / 4096);
    expect((await prepareRun(tinyScenario(), { table })).table).toBe(table);
    await expect(prepareRun(tinyScenario(), { table: new FrameTable(100) })).rejects.toThrow(new RangeError('prepareRun: the table has 100 frames, the host\'s memory needs 16384'));
  });

  it('gives a table 16-bit owners while every guest\'s owner id and every shard\'s free value fits, 32-bit ones past that', () => {
    const many = (guests: number, shards?: number) => ({ ...tinyScenario(), guests: new Array(guests).fill(tinyScenario().guests[0]), host: { ...tinyScenario().host, shards } });
    expect(ownerBitsOf(many(2))).toBe(16);
    expect(ownerBitsOf(many(32_767))).toBe(16);
    expect(ownerBitsOf(many(32_768))).toBe(32);
    expect(ownerBitsOf(many(32_767, 32_767))).toBe(16);
    expect(ownerBitsOf(many(32_768, 32_767))).toBe(32);
  });
});

describe('threadSetups', () => {
  it('gives every guest to exactly one thread, whole shards each, never more threads than shards', async () => {
    const guests = Array.from({ length: 6 }, (_, i) => guest(`g${i}`, { memoryBytes: 8 * MiB, maxMemoryBytes: 8 * MiB }));
    const setup = await prepareRun(scenario({ guests, durationMs: 3000 }));
    const shards = setup.manager.layout.shards;
    expect(shards).toBeGreaterThan(1);
    for (const threads of [1, 2, 3, 100]) {
      const setups = threadSetups(setup, threads);
      expect(setups.length).toBe(Math.min(threads, shards));
      const hosted = setups.flatMap((t) => t.guests.map((init) => init.index)).sort((a, b) => a - b);
      expect(hosted).toEqual([0, 1, 2, 3, 4, 5]);
      for (const t of setups) {
        expect(t).toMatchObject({ guestCount: 6, shardCount: shards, frameBytes: 4096, guestNames: guests.map((g) => g.name) });
        expect(t.table).toBe(setup.table.share);
        expect(t.guests.map((init) => init.index)).toEqual(t.shards.flatMap((shard) => shard.guests.map((g) => g.index)));
      }
    }
  });
});
