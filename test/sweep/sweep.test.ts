/**
 * Unit tests of src/sweep/sweep.ts: what a sweep runs, its argument checks, resuming, and
 * a small sweep of three 5-tick cases on one worker thread (needs `npm run build`: dist/).
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/model/scenario.js';
import { expandGrid, gridOfScenarios } from '../../src/sweep/grid.js';
import { saveFinishedCase } from '../../src/sweep/progress.js';
import { caseDirName, planSweep, sweep, toGrid } from '../../src/sweep/sweep.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import { row } from '../support/sweep-tables.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

function tiny(name: string, seed = 1): Scenario {
  return scenario({
    name,
    seed,
    durationMs: 5000,
    guests: [guest('g', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB })],
    host: { memoryBytes: 64 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
  });
}

const scenarios = [tiny('a'), tiny('b', 2), tiny('c', 3), tiny('d', 4)];

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('balloonsim-sweep-');
});

describe('caseDirName', () => {
  it('is case- and the case number in four digits or more', () => {
    expect(caseDirName(7)).toBe('case-0007');
    expect(caseDirName(10_000)).toBe('case-10000');
  });
});

describe('toGrid', () => {
  it('takes an expanded grid as it is, and expands a list of scenarios or a grid spec', () => {
    const grid = gridOfScenarios(scenarios);
    expect(toGrid(grid)).toBe(grid);
    expect(toGrid(scenarios).fingerprint).toBe(grid.fingerprint);
    const spec = toGrid({ base: 'default', durationMs: 5000, parameters: { seed: [1, 2, 3] } });
    expect(spec.cases.map((c) => c.label)).toEqual(['seed=1', 'seed=2', 'seed=3']);
    expect(spec.fingerprint).toBe(expandGrid({ base: 'default', durationMs: 5000, parameters: { seed: [1, 2, 3] } }, { source: 'library' }).fingerprint);
  });

  it('copies the scenarios of a list when called, and checks each: a change made afterwards is not run', () => {
    // The cases held the caller's objects and were sent to the threads later: a scenario changed after the call
    // ran changed, under the fingerprint of the unchanged one.
    const list = [tiny('a'), tiny('b')];
    const grid = toGrid(list);
    list[1]!.guests[0]!.memoryBytes = 1;
    expect(grid.cases[1]!.scenario.guests[0]!.memoryBytes).toBe(16 * MiB);
    expect(grid.fingerprint).toBe(gridOfScenarios([tiny('a'), tiny('b')]).fingerprint);
    expect(() => toGrid([tiny('a'), null as never])).toThrow(/^sweep: scenarios\[1\]: scenario must be a resolved Scenario/);
    expect(() => toGrid([{ ...tiny('a'), durationMs: Number.POSITIVE_INFINITY }])).toThrow(/^sweep: scenarios\[0\]: the scenario's durationMs must be a positive number of ms, got Infinity/);
  });

  it('says what it takes when given something else (null failed as "Cannot read properties of null")', () => {
    expect(() => toGrid(null as never)).toThrow(new TypeError('sweep: expected a grid ({ base, parameters }), an expanded grid (expandGrid, loadGridFile) or a list of scenarios, got null (an empty value)'));
  });
});

describe('planSweep', () => {
  it('lists the cases of the shard, and which of them are finished in rowsDir', () => {
    const grid = gridOfScenarios(scenarios);
    const rows = join(dir, 'rows');
    saveFinishedCase(rows, grid.fingerprint, row(2), 1);
    saveFinishedCase(rows, grid.fingerprint, row(1), 1);
    const plan = planSweep(grid, { shard: '1/2', rowsDir: rows });
    expect(plan.shard).toEqual({ index: 1, count: 2 });
    expect(plan.cases.map((c) => [c.case.index, c.finished])).toEqual([
      [0, false],
      [2, true],
    ]);
    // Case 1 is finished but belongs to the other shard.
    expect([...plan.finished.keys()]).toEqual([2]);
  });

  it('takes every case without a shard, none finished without rowsDir', () => {
    const plan = planSweep(scenarios, { shard: null });
    expect(plan.shard).toBeNull();
    expect(plan.cases.map((c) => c.finished)).toEqual([false, false, false, false]);
  });

  it('refuses a shard that does not exist, as a RangeError', () => {
    expect(() => planSweep(scenarios, { shard: { index: 3, count: 2 } })).toThrow('sweep: shard 3/2 does not exist: shards are numbered 1 to 2');
    expect(() => planSweep(scenarios, { shard: 'one' })).toThrow(RangeError);
  });
});

describe('sweep', () => {
  it('refuses a concurrency or a sample interval that is not a positive whole number, before starting anything', async () => {
    await expect(sweep(scenarios, { concurrency: 0 })).rejects.toThrow('sweep: concurrency must be a whole number from 1 to 256, got 0');
    await expect(sweep(scenarios, { concurrency: 257 })).rejects.toThrow(RangeError);
    await expect(sweep(scenarios, { concurrency: 1.5 })).rejects.toThrow(RangeError);
    await expect(sweep(scenarios, { concurrency: 1, sampleEveryTicks: 0 })).rejects.toThrow('sweep: sampleEveryTicks must be a positive whole number, got 0');
  });

  it.each([
    [{ concurency: 2 }, /^sweep: unknown option "concurency" \(did you mean "concurrency"\? the options are concurrency, shard, /],
    [{ signal: {} }, /^sweep: signal must be an AbortSignal .*got a mapping/],
    [{ onCaseDone: 5 }, /^sweep: onCaseDone must be a function, got 5$/],
    [{ pool: {} }, /^sweep: pool must be a SweepPool \(new SweepPool\(threads\)\), got a mapping/],
    [{ rowsDir: 5 }, /^sweep: rowsDir must be the path of a directory, got 5$/],
    [{ caseOutputsDir: '' }, /^sweep: caseOutputsDir must be the path of a directory, got ""$/],
  ])('refuses misspelt options and ones of the wrong type before any case runs: %j', async (options, message) => {
    // A misspelt key was ignored; a signal that was not an AbortSignal failed every case with Node's "The "signals[0]"
    // argument must be an instance of AbortSignal"; the others failed after the first case had run.
    await expect(sweep(scenarios, { concurrency: 1, ...options } as never)).rejects.toThrow(message);
    await expect(sweep(scenarios, null as never)).rejects.toThrow('sweep: options must be an object, got null (an empty value)');
  });

  it('rejects at once when its signal is already aborted', async () => {
    await expect(sweep(scenarios, { concurrency: 1, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('runs nothing when every case of the shard is finished: the rows come from rowsDir, counted as resumed', async () => {
    const grid = gridOfScenarios(scenarios);
    const rows = join(dir, 'rows');
    for (const c of [1, 3]) saveFinishedCase(rows, grid.fingerprint, row(c), 2.5);
    const done: number[] = [];
    const table = await sweep(grid, { concurrency: 1, shard: '2/2', rowsDir: rows, onCaseDone: (r) => done.push(r.case) });
    expect(table.rows).toEqual([row(1), row(3)]);
    expect(done).toEqual([]);
    expect(table).toMatchObject({ kind: 'balloonsim-sweep', schemaVersion: 2, name: 'scenarios', casesTotal: 4, shard: { index: 2, count: 2 }, parameterNames: [] });
    expect(table.timing[0]).toMatchObject({ concurrency: 1, caseSeconds: { 1: 2.5, 3: 2.5 }, resumedCases: 2, madeBy: { tool: 'balloonsim', node: process.version } });
  });

  it('runs the cases not finished on a worker thread, saves their rows, reports each, and returns rows in case order', async () => {
    const grid = gridOfScenarios(scenarios.slice(0, 3));
    const rows = join(dir, 'rows');
    saveFinishedCase(rows, grid.fingerprint, row(1, { label: 'b' }), 1);
    const done: Array<[number, number, number]> = [];
    const table = await sweep(grid, { concurrency: 4, rowsDir: rows, onCaseDone: (r, n, total) => done.push([r.case, n, total]) });
    expect(table.rows.map((r) => [r.case, r.label, r.status])).toEqual([
      [0, 'a', 'ok'],
      [1, 'b', 'ok'],
      [2, 'c', 'ok'],
    ]);
    expect(table.rows[0]!.metrics).toMatchObject({ scenario: 'a', seed: 1 });
    expect(table.rows[2]!.metrics).toMatchObject({ scenario: 'c', seed: 3 });
    expect(done.map(([c]) => c).sort()).toEqual([0, 2]);
    expect(done.map(([, n, total]) => `${n}/${total}`)).toEqual(['1/2', '2/2']);
    // No more threads than cases to run.
    expect(table.timing[0]!.concurrency).toBe(2);
    const again = planSweep(grid, { rowsDir: rows });
    expect(again.cases.every((c) => c.finished)).toBe(true);
  });
});

describe('planSweep of options it cannot use', () => {
  const grid = { base: 'default', parameters: { seed: [1, 2, 3, 4] } };

  it('refuses options that are not an object, instead of reading shard of null', () => {
    expect(() => planSweep(grid, null as never)).toThrow(/^planSweep: options must be an object \(\{ shard, rowsDir, sampleEveryTicks \}, each optional\), got null/);
  });

  it('refuses a misspelt key, which listed every case of the grid instead of a shard', () => {
    expect(() => planSweep(grid, { shrd: '1/2' } as never)).toThrow(/^planSweep: unknown option "shrd" \(did you mean "shard"\?/);
  });

  it('refuses a rowsDir that is not a path and a sampleEveryTicks below 1, which were ignored', () => {
    expect(() => planSweep(grid, { rowsDir: 5 as never })).toThrow(new TypeError('planSweep: rowsDir must be the path of a directory, got 5'));
    expect(() => planSweep(grid, { sampleEveryTicks: -1 })).toThrow(new RangeError('planSweep: sampleEveryTicks must be a whole number of at least 1, got -1'));
  });
});
