/** Unit tests of src/output/sweep-report.ts: a sweep's report page, case by case or setting by setting. */
import { describe, expect, it } from 'vitest';
import { statusText, sweepReportData, sweepReportHtml } from '../../src/sweep/sweep-report.js';
import { aggregateSeeds } from '../../src/sweep/aggregate.js';
import { metrics, row, table } from '../support/sweep-tables.js';

describe('statusText', () => {
  it('says the status, with the error code or how many refusals or warnings', () => {
    expect(statusText(row(0))).toBe('ok');
    expect(statusText(row(0, { status: 'failed', error: { code: 'BOOT_FAILED', message: 'm' } }))).toBe('failed: BOOT_FAILED');
    expect(statusText(row(0, { status: 'failed' }))).toBe('failed');
    expect(statusText(row(0, { status: 'refused', refused: ['a', 'b'] }))).toBe('refused (2)');
    expect(statusText(row(0, { status: 'warning', warnings: ['w'] }))).toBe('warning (1)');
  });
});

describe('sweepReportData', () => {
  it('without seeds: a point per case with metrics, and notes for refused, warned and failed cases', () => {
    const t = table(
      [
        row(0),
        row(1, { status: 'refused', refused: ['idle at 2m: below its floor'] }),
        row(2, { status: 'warning', warnings: ['w'] }),
        row(3, { status: 'failed', metrics: null, error: { code: 'PREFLIGHT', message: 'm' } }),
      ],
      { shard: { index: 1, count: 1 }, name: 'grid' },
    );
    const data = sweepReportData(t, null);
    expect(data.title).toBe('balloonsim sweep: grid (shard 1/1)');
    expect(data.subtitle.startsWith('4 of 4 cases: ')).toBe(true);
    expect(data.runs.map((r) => [r.label, r.status])).toEqual([
      ['p=0', 'ok'],
      ['p=1', 'refused'],
      ['p=2', 'warning'],
    ]);
    expect(data.notes).toEqual([
      'The over-shrink guard refused a target in 1 case (1): those cases ran without the target they set, so their figures do not show it. First refusal: idle at 2m: below its floor',
      '1 case set a target that looks like a unit mistake; see the table.',
      '1 case failed: 3 (PREFLIGHT).',
    ]);
    expect(data.table.header[0]).toBe('case');
    expect(data.table.rows.map((r) => [r[0], r[1], r[r.length - 1]])).toEqual([
      ['0: p=0', 'ok', ''],
      ['1: p=1', 'refused (1)', 'idle at 2m: below its floor'],
      ['2: p=2', 'warning (1)', 'w'],
    ]);
    expect(data.moreTables).toBeUndefined();
  });

  it('with seeds: a point per setting, its mean ± the half interval in the table, and the cases in a second table', () => {
    const t = table(
      [
        row(0, { label: 'p=1 seed=1', parameters: { p: 1, seed: 1 }, metrics: metrics({ oomKills: 1 }) }),
        row(1, { label: 'p=1 seed=2', parameters: { p: 1, seed: 2 }, metrics: metrics({ oomKills: 3 }) }),
      ],
      { parameterNames: ['p', 'seed'], casesTotal: 2 },
    );
    const data = sweepReportData(t, aggregateSeeds(t));
    expect(data.subtitle.startsWith('2 of 2 cases in 1 settings, each run with several seeds: ')).toBe(true);
    expect(data.runs).toHaveLength(1);
    expect(data.runs[0]).toMatchObject({ label: 'p=1', status: 'ok', n: 2 });
    expect(data.runs[0]!.metrics.oomKills).toBe(2);
    expect(data.table.header.slice(0, 4)).toEqual(['setting', 'seeds', 'status', 'saved (mean) (mean ± 95 %)']);
    const oomColumn = data.table.header.indexOf('oom kills (mean ± 95 %)');
    // Mean 2, standard error 1, t(1) = 12.706: ± 12.706, shown as a count.
    expect(data.table.rows[0]![oomColumn]).toBe('2 ± 13');
    // Identical values have no spread: the mean alone.
    expect(data.table.rows[0]![3]).toBe('400 B');
    expect(data.moreTables?.[0]?.rows.map((r) => r[0])).toEqual(['0: p=1 seed=1', '1: p=1 seed=2']);
  });

  it('sweepReportHtml embeds that data in a page', () => {
    const t = table([row(0)]);
    const page = sweepReportHtml(t, null);
    expect(JSON.parse(/id="balloonsim-data">(.*?)<\/script>/s.exec(page)![1]!)).toEqual(JSON.parse(JSON.stringify(sweepReportData(t, null))));
  });
});
