/** Unit tests of src/output/run-parquet.ts: a run's series and events as Parquet tables, the same cells as their CSV twins. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsTable, guestSeriesTable, hostSeriesTable } from '../../src/output/run-parquet.js';
import { writeParquet, type ParquetTable } from '../../src/output/parquet.js';
import { GUEST_FIGURES } from '../../src/output/time-series.js';
import type { GuestSample } from '../../src/runtime/sample.js';
import { parquetContents, referenceWriteParquet, withoutFill } from './parquet-reference.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
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

/** 7 samples of 700 guests (4,900 rows: two chunks of 2,048 and a part), with big numbers, fractions, NaN and dead guests. */
function wideSeries() {
  const names = Array.from({ length: 700 }, (_, g) => `g-${g}`);
  return seriesOf(
    Array.from({ length: 7 }, (_, i) =>
      sampleAt(
        250 * i + 125,
        names.map((name, g) => {
          const figures: Partial<GuestSample> = { alive: (g + i) % 11 !== 0 };
          GUEST_FIGURES.forEach((figure, f) => {
            figures[figure] = figure.includes('Avg10') || figure === 'stallSecondsTotal' ? ((g * 31 + i + f) % 17 === 0 ? Number.NaN : Math.exp(-g / 50 - i)) : (g * 2_654_435_761 + i * 97 + f) % 2 ** 41;
          });
          return guestSample(name, figures);
        }),
        1000 + i,
      ),
    ),
  );
}

describe('the fills of guestSeriesTable', () => {
  it('give for any range of rows what value gives row by row (alive as 1 and 0, guest as its index)', () => {
    const table = guestSeriesTable(wideSeries());
    const filled = table.columns.filter((column) => column.fill !== undefined);
    expect(filled.map((c) => c.name)).toEqual(table.columns.map((c) => c.name));
    for (const [start, count] of [[0, table.rows], [0, 1], [699, 3], [2047, 2050], [table.rows - 5, 5], [table.rows, 0]] as const) {
      for (const column of filled) {
        const out = new Float64Array(count);
        column.fill!(start, count, out);
        const expected = Array.from({ length: count }, (_, r) => {
          const value = column.value(start + r);
          return typeof value === 'boolean' ? Number(value) : typeof value === 'string' ? column.levels!.indexOf(value) : value;
        });
        expect(Array.from(out), `${column.name} from ${start}`).toEqual(expected);
      }
    }
  });

  it('write timeseries.parquet as 0501cce wrote it: schema, values, nulls, order and metadata', { timeout: 60_000 }, async () => {
    const dir = temporaryDirectory('balloonsim-run-parquet-');
    const series = wideSeries();
    const metadata = { 'balloonsim.scenario': 'wide', 'balloonsim.seed': '7' };
    const [written, reference] = [join(dir, 'timeseries.parquet'), join(dir, 'reference.parquet')] as const;
    await writeParquet([{ path: written, table: guestSeriesTable(series, metadata) }]);
    await referenceWriteParquet(reference, withoutFill(guestSeriesTable(series, metadata)));
    const [got, expected] = await parquetContents([written, reference]);
    expect(got!.rows).toHaveLength(4900);
    expect(got!.rows.some((row) => row.includes(null))).toBe(true);
    expect(got).toEqual(expected);
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
