/**
 * A run's Parquet files: `timeseries.parquet` (one row per guest per
 * sample), `host-timeseries.parquet` (one row per sample) and
 * `events.parquet` (the host's event log), with the columns and names of
 * their CSV and JSON Lines twins, typed (see series-columns.ts).
 */
import type { HostEvent } from '../host/event-log.js';
import type { ParquetColumn, ParquetTable } from './parquet.js';
import { GUEST_SERIES_COLUMNS } from './series-columns.js';
import type { TimeSeries } from './time-series.js';

/** timeseries.parquet: guests vary fastest, as in timeseries.csv. Its numeric columns fill a range of rows from the series' storage at once. */
export function guestSeriesTable(series: TimeSeries, metadata?: Record<string, string>): ParquetTable {
  const guests = series.guests;
  const frameBytes = series.frameBytes;
  const sampleOf = (row: number): number => Math.floor(row / guests);
  const guestOf = (row: number): number => row % guests;
  const columns: ParquetColumn[] = [
    { name: 'time_s', type: 'DOUBLE', value: (row) => series.timeMs(sampleOf(row)) / 1000, fill: (start, count, out) => fillTimes(series, start, count, out) },
    { name: 'guest', type: 'VARCHAR', value: (row) => series.guestNames[guestOf(row)]!, levels: series.guestNames, fill: (start, count, out) => fillGuestIndexes(guests, start, count, out) },
    { name: 'alive', type: 'BOOLEAN', value: (row) => series.isAlive(sampleOf(row), guestOf(row)), fill: (start, count, out) => series.copyGuestRows('alive', start, count, out) },
    ...GUEST_SERIES_COLUMNS.map(
      (column): ParquetColumn => ({
        name: column.name,
        type: column.type,
        value: (row) => {
          const value = series.value(column.figure, sampleOf(row), guestOf(row));
          return column.pages ? value * frameBytes : value;
        },
        fill: (start, count, out) => {
          series.copyGuestRows(column.figure, start, count, out);
          if (column.pages) for (let r = 0; r < count; r++) out[r] = out[r]! * frameBytes;
        },
      }),
    ),
  ];
  return { rows: series.length * guests, columns, ...(metadata !== undefined ? { metadata } : {}) };
}

/** guest of guest rows `start` to `start + count - 1`, as indexes into the names. */
function fillGuestIndexes(guests: number, start: number, count: number, out: Float64Array): void {
  let guest = start % guests;
  for (let r = 0; r < count; r++) {
    out[r] = guest;
    if (++guest === guests) guest = 0;
  }
}

/** time_s of guest rows `start` to `start + count - 1`: each sample's time, once per guest. */
function fillTimes(series: TimeSeries, start: number, count: number, out: Float64Array): void {
  if (count === 0) return;
  const guests = series.guests;
  let sample = Math.floor(start / guests);
  let guest = start % guests;
  let seconds = series.timeMs(sample) / 1000;
  for (let r = 0; r < count; r++) {
    out[r] = seconds;
    if (++guest === guests && r + 1 < count) {
      guest = 0;
      seconds = series.timeMs(++sample) / 1000;
    }
  }
}

/** host-timeseries.parquet: one row per sample. */
export function hostSeriesTable(series: TimeSeries, metadata?: Record<string, string>): ParquetTable {
  const frameBytes = series.frameBytes;
  return {
    rows: series.length,
    columns: [
      { name: 'time_s', type: 'DOUBLE', value: (i) => series.timeMs(i) / 1000 },
      { name: 'host_free_bytes', type: 'BIGINT', value: (i) => series.freeFrames(i) * frameBytes },
      { name: 'host_swap_bytes', type: 'BIGINT', value: (i) => series.hostSwapUsedPages(i) * frameBytes },
      { name: 'host_state', type: 'VARCHAR', value: (i) => series.hostState(i) },
    ],
    ...(metadata !== undefined ? { metadata } : {}),
  };
}

/** events.parquet: the host's event log in order; `guest` is null for host-wide events. */
export function eventsTable(events: ReadonlyArray<HostEvent>, metadata?: Record<string, string>): ParquetTable {
  return {
    rows: events.length,
    columns: [
      { name: 'time_s', type: 'DOUBLE', value: (i) => events[i]!.timeMs / 1000 },
      { name: 'kind', type: 'VARCHAR', value: (i) => events[i]!.kind },
      { name: 'guest', type: 'VARCHAR', value: (i) => events[i]!.guest ?? null },
      { name: 'detail', type: 'VARCHAR', value: (i) => events[i]!.detail },
    ],
    ...(metadata !== undefined ? { metadata } : {}),
  };
}
