/** Unit tests of src/sweep/merge.ts: joining shard tables into the table of the whole sweep. */
import { describe, expect, it } from 'vitest';
import { MergeError, mergeSweepTables } from '../../src/sweep/merge.js';
import type { SweepTable } from '../../src/sweep/table.js';
import { row, table } from '../support/sweep-tables.js';

const shard1 = table([row(0), row(2)], { shard: { index: 1, count: 2 }, timing: [{ wallSeconds: 3, concurrency: 2, caseSeconds: { 0: 1, 2: 2 } }] });
const shard2 = table([row(1), row(3)], { shard: { index: 2, count: 2 }, timing: [{ wallSeconds: 4, concurrency: 2, caseSeconds: { 1: 1, 3: 3 } }] });

function mergeError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MergeError);
    return (error as Error).message;
  }
  throw new Error('expected a MergeError');
}

describe('mergeSweepTables', () => {
  it('joins shards into one table in case order, whole (shard null), with every run timing', () => {
    const merged = mergeSweepTables([shard2, shard1]);
    expect(merged.shard).toBeNull();
    expect(merged.rows.map((r) => r.case)).toEqual([0, 1, 2, 3]);
    expect(merged.rows[1]).toBe(shard2.rows[0]);
    expect(merged.timing).toEqual([...shard2.timing, ...shard1.timing]);
    expect(merged).toMatchObject({ kind: 'balloonsim-sweep', schemaVersion: 2, name: 'grid', fingerprint: 'fp', casesTotal: 4, parameterNames: ['p'] });
  });

  it('refuses nothing to merge', () => {
    expect(mergeError(() => mergeSweepTables([]))).toBe('nothing to merge: give the sweep.json of each shard');
    // Not a list failed as "Cannot read properties of null (reading 'length')".
    expect(mergeError(() => mergeSweepTables(null as never))).toBe('mergeSweepTables: give a list of sweep tables (the parsed sweep.json of each shard)');
  });

  it('refuses a file that is not a sweep table, by its name', () => {
    const notTable = { kind: 'balloonsim-run' } as unknown as SweepTable;
    expect(mergeError(() => mergeSweepTables([shard1, notTable], ['a/sweep.json', 'b/summary.json']))).toBe('b/summary.json is not a balloonsim sweep table (sweep.json)');
  });

  it('refuses a table of an unknown schema version', () => {
    expect(mergeError(() => mergeSweepTables([table([], { schemaVersion: 9 })]))).toBe('table 1 has table schema version 9; this balloonsim reads versions 1 to 2');
  });

  it('refuses shards of different grids, with both fingerprints', () => {
    const other = table([row(1), row(3)], { fingerprint: 'other', shard: { index: 2, count: 2 } });
    expect(mergeError(() => mergeSweepTables([shard1, other], ['s1', 's2']))).toBe(
      's2 (shard 2/2 of grid) comes from a different grid than s1 (shard 1/2 of grid) (fingerprints other and fp); merge shards of one grid, run with the same balloonsim and the same files',
    );
  });

  it('refuses shards sampled at different intervals, whose metrics would not compare, and keeps the common one', () => {
    const every10 = table([row(1), row(3)], { shard: { index: 2, count: 2 }, sampleEveryTicks: 10 });
    const byDefault = { ...shard1, sampleEveryTicks: null };
    expect(mergeError(() => mergeSweepTables([byDefault, every10], ['s1', 's2']))).toBe(
      's2 (shard 2/2 of grid) sampled every 10 ticks (--sample-every 10), s1 (shard 1/2 of grid) at each case\'s default interval: ' +
        'the metrics (means, peaks, minimums) are taken over the samples, so the rows would not compare; run the shards again with the same --sample-every',
    );
    expect(mergeSweepTables([{ ...shard1, sampleEveryTicks: 10 }, every10]).sampleEveryTicks).toBe(10);
    // Tables written before the interval was recorded: nothing to hold them to.
    expect(mergeSweepTables([shard1, every10]).sampleEveryTicks).toBe(10);
    expect(mergeSweepTables([shard1, shard2])).not.toHaveProperty('sampleEveryTicks');
  });

  it('refuses a case given twice', () => {
    expect(mergeError(() => mergeSweepTables([shard1, shard2, shard1]))).toBe('case 0 (p=0) is in both table 1 and table 3; give each shard once');
  });

  it('names the missing cases and the shards they belong to', () => {
    expect(mergeError(() => mergeSweepTables([shard1]))).toBe('2 of 4 cases are missing (cases 1, 3); missing shards: 2/2');
  });

  it('lists at most ten missing cases', () => {
    const message = mergeError(() => mergeSweepTables([table([], { casesTotal: 12 })]));
    expect(message).toBe('12 of 12 cases are missing (cases 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...)');
  });

  it('accepts missing cases when asked to', () => {
    expect(mergeSweepTables([shard2], undefined, { allowMissing: true }).rows.map((r) => r.case)).toEqual([1, 3]);
  });

  it('upgrades version 1 tables as it reads them', () => {
    const old = { ...table([{ ...row(0), base: undefined, refused: undefined, warnings: undefined } as never]), schemaVersion: 1, casesTotal: 1 };
    const merged = mergeSweepTables([old]);
    expect(merged.schemaVersion).toBe(2);
    expect(merged.rows[0]).toMatchObject({ base: 'base', refused: [], warnings: [] });
  });
});

describe('mergeSweepTables of sources and options it cannot use', () => {
  const whole = table([row(0), row(1)], { casesTotal: 2 } as never);

  it('refuses sources that are not a name for each table: a string was read one character a table', () => {
    expect(() => mergeSweepTables([whole], 'a.json' as never)).toThrow(
      new TypeError(`mergeSweepTables: sources must be a name for each of the 1 table (their files, such as ['shard-1/sweep.json']), or left out, got "a.json"`),
    );
    expect(() => mergeSweepTables([whole], [] as never)).toThrow(/^mergeSweepTables: sources must be a name for each of the 1 table .*got a list of 0 items$/);
  });

  it('refuses options that are not an object, a misspelt key and an allowMissing that is not true or false, which were taken for the default', () => {
    expect(() => mergeSweepTables([whole], undefined, null as never)).toThrow(/^mergeSweepTables: options must be an object \(\{ allowMissing \}, each optional\), got null/);
    expect(() => mergeSweepTables([whole], undefined, { allowMising: true } as never)).toThrow(/^mergeSweepTables: unknown option "allowMising" \(did you mean "allowMissing"\?/);
    expect(() => mergeSweepTables([whole], undefined, { allowMissing: 'yes' } as never)).toThrow(new TypeError('mergeSweepTables: allowMissing must be true or false, got "yes"'));
  });
});
