/** Unit tests of src/sweep/output-shapes.ts: sweep.json and summary.json read back by merge and compare. */
import { describe, expect, it } from 'vitest';
import { runSummaryProblem, sweepTableProblem } from '../../src/sweep/output-shapes.js';
import { mergeSweepTables, MergeError } from '../../src/sweep/merge.js';
import type { SweepTable } from '../../src/sweep/table.js';
import { summaryOf } from '../support/samples.js';
import { row, table } from '../support/sweep-tables.js';

/** A copy of `value` with `change` applied (a file edited by hand, or cut short). */
function edited<T>(value: T, change: (copy: Record<string, any>) => void): T {
  const copy = structuredClone(value) as Record<string, any>;
  change(copy);
  return copy as T;
}

describe('sweepTableProblem', () => {
  const good = table([row(0), row(1, { status: 'failed', metrics: null, error: { code: 'E', message: 'm' } })]);

  it('takes a table balloonsim wrote, and one of version 1 (no base, refused or warnings)', () => {
    expect(sweepTableProblem(good)).toBeNull();
    const v1 = edited(good, (t) => {
      t.schemaVersion = 1;
      for (const r of t.rows) for (const key of ['base', 'refused', 'warnings']) delete r[key];
    });
    expect(sweepTableProblem(v1)).toBeNull();
  });

  it.each([
    ['rows is not a list', (t: any) => (t.rows = 'x'), /^rows: .*expected array/],
    ['a row is null', (t: any) => (t.rows[0] = null), /^rows\[0\]: .*expected object/],
    ['a row lost its metrics', (t: any) => delete t.rows[0].metrics, /^rows\[0\]\.metrics: /],
    ['a metric is text', (t: any) => (t.rows[0].metrics.savedBytesMean = 'x'), /^rows\[0\]\.metrics\.savedBytesMean: .*expected number/],
    ['a label is a number', (t: any) => (t.rows[0].label = 5), /^rows\[0\]\.label: /],
    ['an unknown status', (t: any) => (t.rows[0].status = 'weird'), /^rows\[0\]\.status: /],
    ['casesTotal of 10^12', (t: any) => (t.casesTotal = 1e12), /^casesTotal: /],
    ['a case past casesTotal', (t: any) => (t.rows[1].case = 7), /^rows\[1\]\.case: 7 is not a case of a sweep of 4$/],
    ['parameterNames is null', (t: any) => (t.parameterNames = null), /^parameterNames: /],
    ['timing is null', (t: any) => (t.timing = null), /^timing: /],
  ])('%s', (_what, change, problem) => {
    expect(sweepTableProblem(edited(good, change))).toMatch(problem);
  });

  it('makes mergeSweepTables throw a MergeError that names the table and the field, not a TypeError', () => {
    const damaged = edited(good, (t) => (t.rows = null)) as SweepTable;
    expect(() => mergeSweepTables([damaged], ['s1/sweep.json'])).toThrow(MergeError);
    expect(() => mergeSweepTables([damaged], ['s1/sweep.json'])).toThrow(/^s1\/sweep\.json is damaged or not written by balloonsim: rows: /);
    // 10^12 cases: listing the missing ones killed V8 ("invalid size error").
    expect(() => mergeSweepTables([edited(good, (t) => (t.casesTotal = 1e12))], undefined, { allowMissing: true })).toThrow(/casesTotal: /);
  });
});

describe('runSummaryProblem', () => {
  const good = summaryOf([{ name: 'g' }]);

  it('takes a summary balloonsim wrote', () => {
    expect(runSummaryProblem(good)).toBeNull();
  });

  it.each([
    ['a guest is null', (s: any) => (s.guests[0] = null), /^guests\[0\]: /],
    ['a guest is empty', (s: any) => (s.guests[0] = {}), /^guests\[0\]\.name: /],
    ['host is null', (s: any) => (s.host = null), /^host: /],
    ['frameBytes is text', (s: any) => (s.host.frameBytes = 'x'), /^host\.frameBytes: /],
    ['audit is null', (s: any) => (s.audit = null), /^audit: /],
  ])('%s', (_what, change, problem) => {
    expect(runSummaryProblem(edited(good, change))).toMatch(problem);
  });
});
