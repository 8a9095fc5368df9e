/**
 * `timeseries.csv`: one row per guest per sample, sizes in bytes, counts since
 * boot, pressure as fractions from 0 to 1. `parseTimeSeriesCsv` reads it back
 * (for `balloonsim compare`).
 */
import { FREE_MEMORY_STATES, type FreeMemoryState } from '../host/manager/free-memory-state.js';
import type { GuestSample, Sample } from '../runtime/sample.js';
import { TimeSeries, type GuestFigure } from './time-series.js';

interface Column {
  header: string;
  figure: GuestFigure;
  /** Pages, written as bytes. */
  pages: boolean;
}

/** The guest columns, in order, after `time_s,guest,alive`; `host_free_bytes`, `host_swap_bytes` and `host_state` end each row. */
const COLUMNS: ReadonlyArray<Column> = [
  { header: 'target_bytes', figure: 'targetPages', pages: true },
  { header: 'actual_bytes', figure: 'actualPages', pages: true },
  { header: 'resident_bytes', figure: 'residentPages', pages: true },
  { header: 'balloon_bytes', figure: 'balloonPages', pages: true },
  { header: 'anon_bytes', figure: 'anonPages', pages: true },
  { header: 'cache_bytes', figure: 'cachePages', pages: true },
  { header: 'kernel_bytes', figure: 'kernelPages', pages: true },
  { header: 'free_bytes', figure: 'freePages', pages: true },
  { header: 'swap_bytes', figure: 'swapPages', pages: true },
  { header: 'swap_in_pages_total', figure: 'swapInTotal', pages: false },
  { header: 'swap_out_pages_total', figure: 'swapOutTotal', pages: false },
  { header: 'major_faults_total', figure: 'majorFaultsTotal', pages: false },
  { header: 'minor_faults_total', figure: 'minorFaultsTotal', pages: false },
  { header: 'stall_seconds_total', figure: 'stallSecondsTotal', pages: false },
  { header: 'psi_some_avg10', figure: 'psiSomeAvg10', pages: false },
  { header: 'psi_full_avg10', figure: 'psiFullAvg10', pages: false },
  { header: 'oom_kills_total', figure: 'oomKillsTotal', pages: false },
  { header: 'oom_events_total', figure: 'oomEventsTotal', pages: false },
  { header: 'memory_bytes', figure: 'memoryPages', pages: true },
  { header: 'host_swapped_bytes', figure: 'hostSwappedPages', pages: true },
  { header: 'host_swap_faults_total', figure: 'hostSwapFaultsTotal', pages: false },
  { header: 'progress_avg10', figure: 'progressAvg10', pages: false },
  { header: 'work_wanted_total', figure: 'workWantedTotal', pages: false },
  { header: 'work_done_total', figure: 'workDoneTotal', pages: false },
  { header: 'refaults_total', figure: 'refaultsTotal', pages: false },
];

/** Cells after the guest columns: the host's free memory, its swap in use and its free-memory state. */
const HOST_CELLS = 3;

/** The CSV header line (without the newline). */
export const TIMESERIES_CSV_HEADER = ['time_s', 'guest', 'alive', ...COLUMNS.map((c) => c.header), 'host_free_bytes', 'host_swap_bytes', 'host_state'].join(',');

/** A number as the CSV writes it: integers exactly, fractions to 9 significant digits. */
export function formatCsvNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return '';
  return String(Number(value.toPrecision(9)));
}

/** Writes the series as CSV text (header, then rows by sample, guests in scenario order). */
export function timeSeriesCsv(series: TimeSeries): string {
  const frameBytes = series.frameBytes;
  const lines: string[] = [TIMESERIES_CSV_HEADER];
  for (let i = 0; i < series.length; i++) {
    const time = String(series.timeMs(i) / 1000);
    const hostFree = formatCsvNumber(series.freeFrames(i) * frameBytes);
    const hostSwap = formatCsvNumber(series.hostSwapUsedPages(i) * frameBytes);
    for (let g = 0; g < series.guests; g++) {
      const cells = [time, series.guestNames[g]!, series.isAlive(i, g) ? '1' : '0'];
      for (const column of COLUMNS) {
        const value = series.value(column.figure, i, g);
        cells.push(formatCsvNumber(column.pages ? value * frameBytes : value));
      }
      cells.push(hostFree, hostSwap, series.hostState(i));
      lines.push(cells.join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Reads `timeseries.csv` back into a TimeSeries.
 *
 * @param frameBytes bytes per page (the run's `host.frameBytes`), to turn bytes back into pages
 * @param hostFrames the host's frames (the run's `host.frames`)
 * @throws Error naming the line of anything that is not the format `timeSeriesCsv` writes
 */
export function parseTimeSeriesCsv(text: string, frameBytes: number, hostFrames: number, source = 'timeseries.csv'): TimeSeries {
  const lines = text.split('\n').filter((line) => line !== '');
  if (lines[0] !== TIMESERIES_CSV_HEADER) throw new Error(`${source}:1: not a balloonsim timeseries.csv (the header differs)`);
  const rows = lines.slice(1).map((line, index) => {
    const cells = line.split(',');
    const expected = COLUMNS.length + 3 + HOST_CELLS;
    if (cells.length !== expected) throw new Error(`${source}:${index + 2}: expected ${expected} cells, got ${cells.length}`);
    const stateCell = cells[expected - 1]!;
    if (!(FREE_MEMORY_STATES as ReadonlyArray<string>).includes(stateCell)) {
      throw new Error(`${source}:${index + 2}: host_state is ${JSON.stringify(stateCell)}, not one of ${FREE_MEMORY_STATES.join(', ')}`);
    }
    const numbers = cells.slice(0, expected - 1).map((cell, column) => (column === 1 ? Number.NaN : Number(cell)));
    if (numbers.some((value, column) => column !== 1 && !Number.isFinite(value))) throw new Error(`${source}:${index + 2}: a cell is not a number`);
    return { line: index + 2, time: numbers[0]!, guest: cells[1]!, cells: numbers, state: stateCell as FreeMemoryState };
  });
  const names: string[] = [];
  for (const row of rows) {
    if (row.time !== rows[0]!.time) break;
    names.push(row.guest);
  }
  if (names.length === 0) return new TimeSeries([], frameBytes, hostFrames);
  if (rows.length % names.length !== 0) throw new Error(`${source}: ${rows.length} rows is not a whole number of samples of ${names.length} guests`);
  const series = new TimeSeries(names, frameBytes, hostFrames);
  for (let start = 0; start < rows.length; start += names.length) {
    const group = rows.slice(start, start + names.length);
    const guests = group.map((row, g) => {
      if (row.guest !== names[g] || row.time !== group[0]!.time) throw new Error(`${source}:${row.line}: expected guest ${names[g]} at ${group[0]!.time} s`);
      const guest = { name: row.guest, alive: row.cells[2] === 1 } as GuestSample;
      COLUMNS.forEach((column, c) => {
        const value = row.cells[c + 3]!;
        guest[column.figure] = column.pages ? value / frameBytes : value;
      });
      return guest;
    });
    const sample: Sample = {
      timeMs: Math.round(group[0]!.time * 1000),
      freeFrames: group[0]!.cells[COLUMNS.length + 3]! / frameBytes,
      hostSwapUsedPages: group[0]!.cells[COLUMNS.length + 4]! / frameBytes,
      hostState: group[0]!.state,
      guests,
    };
    series.add(sample);
  }
  return series;
}
