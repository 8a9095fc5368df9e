/** Unit tests of src/output/run-parquet.ts: a run's series and events as Parquet tables, the same cells as their CSV twins. */
import { describe, expect, it } from 'vitest';
import { eventsTable, guestSeriesTable, hostSeriesTable } from '../../src/output/run-parquet.js';
import type { ParquetTable } from '../../src/output/parquet.js';
import { formatCsvNumber, hostTimeSeriesCsv, timeSeriesCsv } from '../../src/output/timeseries-csv.js';
import { guestSample, sampleAt, seriesOf } from '../support/samples.js';

/** Every cell as the CSV would write it (booleans as 1/0, null as empty). */
function asCsv(table: ParquetTable): string {
  const lines = [table.columns.map((c) => c.name).join(',')];
  for (let r = 0; r < table.rows; r++) {
    lines.push(table.columns.map((c) => {
      const v = c.value(r);
      return v === null ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'number' ? formatCsvNumber(v) : v;
    }).join(','));
  }
  return `${lines.join('\n')}\n`;
}

const series = seriesOf([
  sampleAt(500, [guestSample('a', { targetPages: 3, psiSomeAvg10: 0.25 }), guestSample('b', { alive: false, swapOutTotal: 2 })], 10, 1),
  { ...sampleAt(1500, [guestSample('a', { balloonPages: 1 }), guestSample('b')], 9), hostState: 'soft' as const },
]);

describe('guestSeriesTable and hostSeriesTable', () => {
  it('hold the cells of timeseries.csv and host-timeseries.csv, guests varying fastest', () => {
    const guests = guestSeriesTable(series, { 'balloonsim.seed': '1' });
    expect(guests.rows).toBe(4);
    expect(guests.metadata).toEqual({ 'balloonsim.seed': '1' });
    expect(guests.columns.map((c) => c.value(1))).toContain('b');
    expect(asCsv(guests)).toBe(timeSeriesCsv(series));
    const host = hostSeriesTable(series);
    expect(host.metadata).toBeUndefined();
    expect(asCsv(host)).toBe(hostTimeSeriesCsv(series));
  });

  it('type sizes and counts as BIGINT, seconds and fractions as DOUBLE, alive as BOOLEAN', () => {
    const types = Object.fromEntries(guestSeriesTable(series).columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({ time_s: 'DOUBLE', guest: 'VARCHAR', alive: 'BOOLEAN', target_bytes: 'BIGINT', stall_seconds_total: 'DOUBLE', psi_some_avg10: 'DOUBLE', swap_out_pages_total: 'BIGINT' });
  });
});

describe('eventsTable', () => {
  it('has a row per event in order, seconds for time, and null for a host-wide event', () => {
    const events = eventsTable([
      { timeMs: 1500, kind: 'boot', detail: 'host' },
      { timeMs: 2000, kind: 'setTarget', guest: 'a', detail: 'x' },
    ]);
    expect(events.rows).toBe(2);
    expect(events.columns.map((c) => [c.name, c.type])).toEqual([
      ['time_s', 'DOUBLE'],
      ['kind', 'VARCHAR'],
      ['guest', 'VARCHAR'],
      ['detail', 'VARCHAR'],
    ]);
    expect(events.columns.map((c) => c.value(0))).toEqual([1.5, 'boot', null, 'host']);
    expect(events.columns.map((c) => c.value(1))).toEqual([2, 'setTarget', 'a', 'x']);
  });
});
