/** Unit tests of src/sweep/table.ts: the sweep table as CSV and JSON, and reading tables of older versions. */
import { describe, expect, it } from 'vitest';
import { deterministicTable, METRIC_KEYS, sweepCsv, sweepJson, upgradeSweepTable, type SweepTable } from '../../src/sweep/table.js';
import { aggregateSeeds } from '../../src/sweep/aggregate.js';
import { metrics, row, table } from '../support/sweep-tables.js';

const METRIC_HEADER = METRIC_KEYS.join(',');

describe('sweepCsv', () => {
  it('writes a header with one param column per parameter, then one line per row with the metrics in order', () => {
    const csv = sweepCsv(table([row(0, { metrics: metrics({ seed: 7, stallSeconds: 1 / 3 }) })]));
    expect(csv).toBe(
      `case,label,base,param.p,status,refused,warnings,${METRIC_HEADER},error\n` +
        '0,p=0,base,0,ok,,,base,7,30,2,1000,900,500,700,400,100,200,3,4,5,0.333333333,0.25,0,0,0,\n',
    );
  });

  it('quotes cells with commas, quotes or newlines, writes objects as JSON, and empty cells for a failed case', () => {
    const failed = row(1, {
      label: 'a "b", c',
      parameters: { p: { nested: [1, 2] } },
      status: 'failed',
      refused: ['idle at 2m: below floor', 'web at 3m'],
      warnings: ['x'],
      error: { code: 'RUN_FAILED', message: 'line1\nline2' },
      metrics: null,
    });
    const lines = sweepCsv(table([failed])).split('\n');
    const empties = ','.repeat(METRIC_KEYS.length);
    expect(lines.slice(1).join('\n')).toBe(`1,"a ""b"", c",base,"{""nested"":[1,2]}",failed,idle at 2m: below floor; web at 3m,x${empties},"RUN_FAILED: line1\nline2"\n`);
  });

  it('writes missing parameters as empty cells and no rows for an empty table', () => {
    expect(sweepCsv(table([row(0, { parameters: {} })])).split('\n')[1]!.startsWith('0,p=0,base,,ok,')).toBe(true);
    expect(sweepCsv(table([], { parameterNames: ['a', 'b.c'] }))).toBe(`case,label,base,param.a,param.b.c,status,refused,warnings,${METRIC_HEADER},error\n`);
  });
});

describe('sweepJson and deterministicTable', () => {
  it('sweepJson is the table as indented JSON with a final newline', () => {
    const t = table([row(0)]);
    const text = sweepJson(t);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "kind": "balloonsim-sweep",');
    expect(JSON.parse(text)).toEqual(t);
  });

  it('deterministicTable leaves out only the timing', () => {
    const t = table([row(0)]);
    const { timing: _t, ...rest } = t;
    expect(deterministicTable(t)).toEqual(rest);
    expect('timing' in deterministicTable(t)).toBe(false);
  });
});

describe('upgradeSweepTable', () => {
  it('returns a current table as it is', () => {
    const t = table([row(0)]);
    expect(upgradeSweepTable(t)).toBe(t);
  });

  it('gives version 1 rows empty refused and warnings and their base from the metrics', () => {
    const v1 = { ...table([]), schemaVersion: 1, rows: [{ case: 0, label: 'x', parameters: {}, status: 'ok', error: null, metrics: metrics({ scenario: 'web' }) }, { case: 1, label: 'y', parameters: {}, status: 'failed', error: { code: 'E', message: 'm' }, metrics: null }] } as unknown as SweepTable;
    const upgraded = upgradeSweepTable(v1)!;
    expect(upgraded.schemaVersion).toBe(2);
    expect(upgraded.rows.map((r) => [r.base, r.refused, r.warnings])).toEqual([
      ['web', [], []],
      ['', [], []],
    ]);
  });

  it('returns null for a version it does not know', () => {
    expect(upgradeSweepTable(table([], { schemaVersion: 0 }))).toBeNull();
    expect(upgradeSweepTable(table([], { schemaVersion: 3 }))).toBeNull();
  });
});

describe('the table functions of what is not a sweep table', () => {
  const IS = "table must be a sweep table (what sweep() resolves to, or a sweep.json parsed)";

  it('refuse it with what they got, instead of reading parameterNames of null (deterministicTable returned it as it was)', () => {
    expect(() => sweepCsv(null as never)).toThrow(new TypeError(`sweepCsv: ${IS}, got null (an empty value)`));
    expect(() => sweepJson(5 as never)).toThrow(new TypeError(`sweepJson: ${IS}, got 5`));
    expect(() => deterministicTable({ bogus: 1 } as never)).toThrow(new TypeError(`deterministicTable: ${IS}, got a mapping without kind: balloonsim-sweep, rows and parameterNames`));
    expect(() => aggregateSeeds(undefined as never)).toThrow(new TypeError(`aggregateSeeds: ${IS}, got nothing`));
  });

  it('refuse a table of version 1, which failed reading refused of undefined, and say how to upgrade it', () => {
    const v1 = { ...table([]), schemaVersion: 1 } as SweepTable;
    expect(() => sweepCsv(v1)).toThrow(new RangeError("sweepCsv: the table has schema version 1, this balloonsim's is 2: read it with mergeSweepTables([table]), which upgrades version 1"));
  });
});
