/**
 * `timeseries.csv`: one row per guest per sample (the guest's figures only),
 * and `host-timeseries.csv`: one row per sample (the host's free memory, its
 * swap in use and its free-memory state). Join them on `time_s`. Sizes in
 * bytes, counts since boot, pressure as fractions from 0 to 1.
 * `parseTimeSeriesCsv` reads them back (for `balloonsim compare`), and also
 * reads the single wide `timeseries.csv` that earlier versions wrote, which
 * repeated the host's columns on every guest row.
 */
import { FREE_MEMORY_STATES, type FreeMemoryState } from '../host/manager/free-memory-state.js';
import type { GuestSample, Sample } from '../runtime/sample.js';
import { GUEST_SERIES_COLUMNS, HOST_SERIES_COLUMNS } from './series-columns.js';
import { isCount } from '../util/option-checks.js';
import { csvText, writeCsvFile, type CsvChunkWriter } from './csv-bytes.js';
import { describeValue } from '../util/suggest.js';
import { checkSeries, checkText } from './run-checks.js';
import { TimeSeries } from './time-series.js';

export { formatCsvNumber } from './csv-numbers.js';

/** The header line of timeseries.csv (without the newline). */
export const TIMESERIES_CSV_HEADER = ['time_s', 'guest', 'alive', ...GUEST_SERIES_COLUMNS.map((c) => c.name)].join(',');

/** The header line of host-timeseries.csv (without the newline). */
export const HOST_TIMESERIES_CSV_HEADER = HOST_SERIES_COLUMNS.join(',');

/** The host's columns at the end of the wide timeseries.csv that balloonsim wrote before they had their own file. */
const LEGACY_HOST_COLUMNS = ['host_free_bytes', 'host_swap_bytes', 'host_state'] as const;

/**
 * Where each guest column is in a header (by name, so that files written
 * before a column was added still read), and whether it is the wide legacy
 * layout. Columns it does not know are skipped.
 */
function headerLayout(header: string, source: string): { positions: number[]; legacy: boolean; cells: number } {
  const names = header.split(',');
  if (names[0] !== 'time_s' || names[1] !== 'guest' || names[2] !== 'alive') throw new Error(`${source}:1: not a balloonsim timeseries.csv (it does not start with time_s,guest,alive)`);
  const positions = GUEST_SERIES_COLUMNS.map((column) => {
    const at = names.indexOf(column.name);
    if (at < 0 && column.absentValue === undefined) throw new Error(`${source}:1: not a balloonsim timeseries.csv (no ${column.name} column)`);
    return at;
  });
  const legacy = LEGACY_HOST_COLUMNS.every((name, i) => names[names.length - LEGACY_HOST_COLUMNS.length + i] === name);
  return { positions, legacy, cells: names.length };
}

/** Simulated seconds of sample `i`, as both files write them (so that they join). */
function timeCell(series: TimeSeries, i: number): string {
  return String(series.timeMs(i) / 1000);
}

const ZERO = 0x30;
const ONE = 0x31;

/** Guest rows formatted per block: each figure of a block is read from the series in one copy. */
const BLOCK_ROWS = 4096;

/** timeseries.csv: the header, then a row per guest per sample. */
function writeGuestCsv(series: TimeSeries, out: CsvChunkWriter): void {
  out.ascii(TIMESERIES_CSV_HEADER);
  out.newline();
  const guests = series.guests;
  const rows = series.length * guests;
  const frameBytes = series.frameBytes;
  // Each name and each sample's time is encoded once, not once per row.
  const names = series.guestNames.map((name) => Buffer.from(`,${name},`));
  const pages = GUEST_SERIES_COLUMNS.map((column) => column.pages);
  const figures = GUEST_SERIES_COLUMNS.map(() => new Float64Array(Math.min(BLOCK_ROWS, rows)));
  const alive = new Float64Array(Math.min(BLOCK_ROWS, rows));
  let time = Buffer.alloc(0);
  let sample = 0;
  let guest = 0;
  for (let start = 0; start < rows; start += BLOCK_ROWS) {
    const count = Math.min(BLOCK_ROWS, rows - start);
    GUEST_SERIES_COLUMNS.forEach((column, c) => series.copyGuestRows(column.figure, start, count, figures[c]!));
    series.copyGuestRows('alive', start, count, alive);
    for (let r = 0; r < count; r++) {
      if (guest === 0) time = Buffer.from(timeCell(series, sample));
      out.bytes(time);
      out.bytes(names[guest]!);
      out.byte(alive[r] === 1 ? ONE : ZERO);
      for (let c = 0; c < figures.length; c++) {
        const value = figures[c]![r]!;
        out.comma();
        out.number(pages[c] ? value * frameBytes : value);
      }
      out.newline();
      if (++guest === guests) {
        guest = 0;
        sample++;
      }
    }
  }
}

/** host-timeseries.csv: the header, then a row per sample. */
function writeHostCsv(series: TimeSeries, out: CsvChunkWriter): void {
  out.ascii(HOST_TIMESERIES_CSV_HEADER);
  out.newline();
  const frameBytes = series.frameBytes;
  for (let i = 0; i < series.length; i++) {
    out.ascii(timeCell(series, i));
    out.comma();
    out.number(series.freeFrames(i) * frameBytes);
    out.comma();
    out.number(series.hostSwapUsedPages(i) * frameBytes);
    out.comma();
    out.ascii(series.hostState(i));
    out.newline();
  }
}

/**
 * The guests' series as CSV text (header, then rows by sample, guests in
 * scenario order). The text is that of the file `--out` writes, decoded: a
 * guest name that is not well-formed UTF-16 (a lone surrogate) comes back
 * with U+FFFD in its place, as a reader of the file sees it.
 */
export function timeSeriesCsv(series: TimeSeries): string {
  checkSeries(series, 'timeSeriesCsv');
  return csvText((out) => writeGuestCsv(series, out));
}

/** Writes timeseries.csv to `path` as it is formatted (see atomic-file.ts), for `writeRunOutputs`, which checks the series under its own name. */
export function writeTimeSeriesCsvUnchecked(path: string, series: TimeSeries): void {
  writeCsvFile(path, (out) => writeGuestCsv(series, out));
}

/** The host's series as CSV text: one row per sample. */
export function hostTimeSeriesCsv(series: TimeSeries): string {
  checkSeries(series, 'hostTimeSeriesCsv');
  return csvText((out) => writeHostCsv(series, out));
}

/** Writes host-timeseries.csv to `path`, for `writeRunOutputs`, which checks the series under its own name. */
export function writeHostTimeSeriesCsvUnchecked(path: string, series: TimeSeries): void {
  writeCsvFile(path, (out) => writeHostCsv(series, out));
}

interface HostRow {
  freeBytes: number;
  swapBytes: number;
  state: FreeMemoryState;
}

function parseState(cell: string, where: string): FreeMemoryState {
  if (!(FREE_MEMORY_STATES as ReadonlyArray<string>).includes(cell)) throw new Error(`${where}: host_state is ${JSON.stringify(cell)}, not one of ${FREE_MEMORY_STATES.join(', ')}`);
  return cell as FreeMemoryState;
}

function dataLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** Reads host-timeseries.csv: the host's figures by time in seconds. */
function parseHostCsv(text: string, source: string): Map<number, HostRow> {
  const lines = dataLines(text);
  if (lines[0] !== HOST_TIMESERIES_CSV_HEADER) throw new Error(`${source}:1: not a balloonsim host-timeseries.csv (the header differs)`);
  const rows = new Map<number, HostRow>();
  lines.slice(1).forEach((line, index) => {
    const where = `${source}:${index + 2}`;
    const cells = line.split(',');
    if (cells.length !== HOST_SERIES_COLUMNS.length) throw new Error(`${where}: expected ${HOST_SERIES_COLUMNS.length} cells, got ${cells.length}`);
    const [time, free, swap] = cells.slice(0, 3).map(Number) as [number, number, number];
    if (![time, free, swap].every(Number.isFinite)) throw new Error(`${where}: a cell is not a number`);
    rows.set(time, { freeBytes: free, swapBytes: swap, state: parseState(cells[3]!, where) });
  });
  return rows;
}

/** The arguments of parseTimeSeriesCsv: text that was not a string failed as "text.split is not a function", a frame size of 0 as TimeSeries's own error. */
function checkParseArguments(guestText: unknown, hostText: unknown, frameBytes: unknown, hostFrames: unknown, source: unknown, hostSource: unknown): void {
  const what = 'parseTimeSeriesCsv';
  checkText(guestText, 'guestText', what, 'the content of timeseries.csv');
  if (hostText !== null) checkText(hostText, 'hostText', what, 'the content of host-timeseries.csv, or null for the wide timeseries.csv of earlier versions');
  for (const [name, value, min] of [['frameBytes', frameBytes, 1], ['hostFrames', hostFrames, 0]] as const) {
    if (!isCount(value, min)) {
      throw new RangeError(`${what}: ${name} must be a whole number of at least ${min} (the run's summary.host.${name === 'frameBytes' ? 'frameBytes' : 'frames'}), got ${describeValue(value)}`);
    }
  }
  for (const [name, value] of [['source', source], ['hostSource', hostSource]] as const) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`${what}: ${name} must name the file in messages (such as run/timeseries.csv), got ${describeValue(value)}`);
  }
}

/**
 * Reads a run's series back into a TimeSeries.
 *
 * @param guestText timeseries.csv
 * @param hostText host-timeseries.csv (null for the wide timeseries.csv of earlier versions, which holds the host columns)
 * @param frameBytes bytes per page (the run's `host.frameBytes`), to turn bytes back into pages
 * @param hostFrames the host's frames (the run's `host.frames`)
 * @throws Error naming the file and line of anything that is not the format `timeSeriesCsv` writes
 */
export function parseTimeSeriesCsv(guestText: string, hostText: string | null, frameBytes: number, hostFrames: number, source = 'timeseries.csv', hostSource = 'host-timeseries.csv'): TimeSeries {
  checkParseArguments(guestText, hostText, frameBytes, hostFrames, source, hostSource);
  const lines = dataLines(guestText);
  if (lines.length === 0) throw new Error(`${source}:1: not a balloonsim timeseries.csv (it is empty)`);
  const { positions, legacy, cells: expected } = headerLayout(lines[0]!, source);
  if (!legacy && hostText === null) throw new Error(`${source}: its host series, ${hostSource}, is missing beside it`);
  const host = legacy ? null : parseHostCsv(hostText!, hostSource);
  const rows = lines.slice(1).map((line, index) => {
    const where = `${source}:${index + 2}`;
    const cells = line.split(',');
    if (cells.length !== expected) throw new Error(`${where}: expected ${expected} cells, got ${cells.length}`);
    const numbers = cells.slice(0, legacy ? expected - 1 : expected).map((cell, column) => (column === 1 ? Number.NaN : Number(cell)));
    if (numbers.some((value, column) => column !== 1 && !Number.isFinite(value))) throw new Error(`${where}: a cell is not a number`);
    const time = numbers[0]!;
    let hostRow: HostRow | undefined;
    if (host === null) hostRow = { freeBytes: numbers[expected - 3]!, swapBytes: numbers[expected - 2]!, state: parseState(cells[expected - 1]!, where) };
    else {
      hostRow = host.get(time);
      if (hostRow === undefined) throw new Error(`${where}: no row at ${time} s in ${hostSource}`);
    }
    return { line: index + 2, time, guest: cells[1]!, cells: numbers, host: hostRow };
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
    const first = group[0]!;
    const guests = group.map((row, g) => {
      if (row.guest !== names[g] || row.time !== first.time) throw new Error(`${source}:${row.line}: expected guest ${names[g]} at ${first.time} s`);
      const guest = { name: row.guest, alive: row.cells[2] === 1 } as GuestSample;
      GUEST_SERIES_COLUMNS.forEach((column, c) => {
        const at = positions[c]!;
        const value = at >= 0 ? row.cells[at]! : column.absentValue!;
        guest[column.figure] = column.pages ? value / frameBytes : value;
      });
      return guest;
    });
    const sample: Sample = {
      timeMs: Math.round(first.time * 1000),
      freeFrames: first.host.freeBytes / frameBytes,
      hostSwapUsedPages: first.host.swapBytes / frameBytes,
      hostState: first.host.state,
      guests,
    };
    series.add(sample);
  }
  return series;
}
