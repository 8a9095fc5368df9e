/** Unit tests of src/output/sweep-tables.ts: a sweep's table as typed Parquet columns and its seeds aggregated. */
import { describe, expect, it } from 'vitest';
import { aggregateCsv, aggregateParquetTable, sweepParquetTable } from '../../src/sweep/sweep-tables.js';
import { aggregateSeeds } from '../../src/sweep/aggregate.js';
import { METRIC_KEYS, sweepCsv } from '../../src/sweep/table.js';
import { metrics, row, table } from '../support/sweep-tables.js';

function column(t: ReturnType<typeof sweepParquetTable>, name: string) {
  const found = t.columns.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no column ${name}`);
  return { type: found.type, values: Array.from({ length: t.rows }, (_, r) => found.value(r)) };
}

describe('sweepParquetTable', () => {
  const t = table(
    [
      row(0, { parameters: { int: 1, real: 1, flag: true, text: '12GiB', mixed: 1, list: [1, 2] }, refused: ['a', 'b'] }),
      row(1, { parameters: { int: 2, real: 2.5, flag: false, text: 'x', mixed: 'two' }, status: 'failed', metrics: null, error: { code: 'E', message: 'm' } }),
    ],
    { parameterNames: ['int', 'real', 'flag', 'text', 'mixed', 'list'], name: 'g', fingerprint: 'f' },
  );
  const parquet = sweepParquetTable(t);

  it('has case, label, base, a param column per parameter, status, refused, warnings, the metrics and error, in order', () => {
    expect(parquet.rows).toBe(2);
    expect(parquet.columns.map((c) => c.name)).toEqual(['case', 'label', 'base', 'param.int', 'param.real', 'param.flag', 'param.text', 'param.mixed', 'param.list', 'status', 'refused', 'warnings', ...METRIC_KEYS, 'error']);
    expect(parquet.metadata).toEqual({ 'balloonsim.sweep': 'g', 'balloonsim.fingerprint': 'f' });
  });

  it('has the columns of sweep.csv, in its order (the docs promise twins; the CSV had no base column)', () => {
    expect(sweepCsv(t).split('\n')[0]!.split(',')).toEqual(parquet.columns.map((c) => c.name));
  });

  it('types each parameter column by what all its values are: whole numbers, numbers, booleans, else text (JSON for lists)', () => {
    expect(column(parquet, 'param.int')).toEqual({ type: 'BIGINT', values: [1, 2] });
    expect(column(parquet, 'param.real')).toEqual({ type: 'DOUBLE', values: [1, 2.5] });
    expect(column(parquet, 'param.flag')).toEqual({ type: 'BOOLEAN', values: [true, false] });
    expect(column(parquet, 'param.text')).toEqual({ type: 'VARCHAR', values: ['12GiB', 'x'] });
    expect(column(parquet, 'param.mixed')).toEqual({ type: 'VARCHAR', values: ['1', 'two'] });
    expect(column(parquet, 'param.list')).toEqual({ type: 'VARCHAR', values: ['[1,2]', null] });
  });

  it('gives metric columns their types and null for a case without metrics; joins notes; codes errors', () => {
    expect(column(parquet, 'scenario')).toEqual({ type: 'VARCHAR', values: ['base', null] });
    expect(column(parquet, 'stallSeconds')).toEqual({ type: 'DOUBLE', values: [0.5, null] });
    expect(column(parquet, 'majorFaults')).toEqual({ type: 'BIGINT', values: [3, null] });
    expect(column(parquet, 'refused').values).toEqual(['a; b', null]);
    expect(column(parquet, 'warnings').values).toEqual([null, null]);
    expect(column(parquet, 'error').values).toEqual([null, 'E: m']);
  });
});

describe('aggregateCsv and aggregateParquetTable', () => {
  // Two seeds of one setting: residentBytesMean 400 and 600.
  const t = table(
    [
      row(0, { label: 'p=a,b seed=1', parameters: { p: 'a,b', seed: 1 }, metrics: metrics({ residentBytesMean: 400 }) }),
      row(1, { label: 'p=a,b seed=2', parameters: { p: 'a,b', seed: 2 }, metrics: metrics({ residentBytesMean: 600 }) }),
    ],
    { parameterNames: ['p', 'seed'], casesTotal: 2 },
  );
  const groups = aggregateSeeds(t)!;

  it('has a row per setting with its cases, seeds, statuses, and each metric mean with its interval', () => {
    const [header, line, end] = aggregateCsv(t, groups).split('\n');
    const cells = header!.split(',');
    expect(cells.slice(0, 12)).toEqual(['group', 'label', 'base', 'param.p', 'cases', 'seeds', 'n', 'status', 'cases_failed', 'cases_refused', 'cases_warning', 'cases_ok']);
    expect(end).toBe('');
    // The label and the parameter hold a comma: both are quoted.
    expect(line!.startsWith('0,"p=a,b",base,"a,b",0 1,1 2,2,ok,0,0,0,2,')).toBe(true);
    const parquet = aggregateParquetTable(t, groups);
    const mean = parquet.columns.find((c) => c.name === 'residentBytesMean')!;
    const low = parquet.columns.find((c) => c.name === 'residentBytesMean_low')!;
    const high = parquet.columns.find((c) => c.name === 'residentBytesMean_high')!;
    expect(mean.value(0)).toBe(500);
    // t(1) = 12.706, standard error 100: 500 ± 1270.6.
    expect(low.value(0)).toBeCloseTo(500 - 1270.6, 6);
    expect(high.value(0)).toBeCloseTo(500 + 1270.6, 6);
    expect(parquet.columns.find((c) => c.name === 'cases')!.value(0)).toBe('0 1');
    expect(parquet.columns.find((c) => c.name === 'seeds')!.value(0)).toBe('1 2');
    expect(parquet.columns.find((c) => c.name === 'cases_ok')!.value(0)).toBe(2);
    expect(parquet.columns.some((c) => c.name === 'param.seed')).toBe(false);
  });
});
