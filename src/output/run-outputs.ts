/**
 * `--out DIR`: everything a run leaves behind for people and tools:
 * summary.json, the time series of the guests and of the host (CSV and
 * Parquet), the event log (JSON Lines and Parquet), trace.json and
 * report.html. They are replaced as a whole (see file-set.ts): a run stopped
 * while writing them, or a full disk, leaves the files of the run before.
 */
import { join } from 'node:path';
import type { RunResult } from '../runtime/simulate.js';
import { checkOptionsObject } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import { writeFileAtomic } from './atomic-file.js';
import { writeFileSet } from './file-set.js';
import { eventsJsonlUnchecked } from './events-jsonl.js';
import { writeParquet } from './parquet.js';
import { runReportHtmlUnchecked } from './report-html.js';
import { checkReportOptions, type ReportOptions } from './report-guests.js';
import { checkEvents, checkProvenance, checkSeries, checkSummary } from './run-checks.js';
import { eventsTable, guestSeriesTable, hostSeriesTable } from './run-parquet.js';
import { writeHostTimeSeriesCsvUnchecked, writeTimeSeriesCsvUnchecked } from './timeseries-csv.js';
import type { TimeSeries } from './time-series.js';
import { buildTraceUnchecked, traceJson } from './trace-events.js';

/** The files `writeRunOutputs` writes, in the order it writes them (summary.json last: when it is there, the rest is). */
export const RUN_OUTPUT_FILES = [
  'timeseries.csv',
  'host-timeseries.csv',
  'events.jsonl',
  'timeseries.parquet',
  'host-timeseries.parquet',
  'events.parquet',
  'trace.json',
  'report.html',
  'summary.json',
] as const;

export type RunOutputFile = (typeof RUN_OUTPUT_FILES)[number];

/** Options of `writeRunOutputs`. */
export interface RunOutputOptions {
  /** How report.html chooses the guests it draws (see `ReportOptions`). */
  report?: ReportOptions;
}

/**
 * Writes a run's files into `dir` (created if needed; files of the same name
 * are replaced). Returns the paths written, in RUN_OUTPUT_FILES order.
 *
 * @param series the run's samples (see `TimeSeries`, fed by `simulate`'s `onSample`)
 */
export async function writeRunOutputs(dir: string, result: RunResult, series: TimeSeries, options: RunOutputOptions = {}): Promise<string[]> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('writeRunOutputs: dir must be a non-empty path');
  checkRunAndSeries(result, series, options);
  return writeRunOutputsUnchecked(dir, result, series, options);
}

/**
 * `writeRunOutputs` without its checks, for the CLI's run and a sweep's
 * cases, which hand in a run they made and a series they made for it.
 */
export async function writeRunOutputsUnchecked(dir: string, result: RunResult, series: TimeSeries, options: RunOutputOptions = {}): Promise<string[]> {
  return writeFileSet(dir, RUN_OUTPUT_FILES, (staging) => writeFiles(staging, result, series, options));
}

/**
 * The series must be the run's: a series of another frame size was written
 * without a word, every byte column scaled by the ratio of the two (a 512 MiB
 * guest's target as 256 GiB), and one of other guests under the wrong names.
 */
function checkRunAndSeries(result: RunResult, series: TimeSeries, options: RunOutputOptions): void {
  if (result === null || typeof result !== 'object') throw new TypeError(`writeRunOutputs: result must be what simulate() resolved to ({ summary, events }), got ${describeValue(result)}`);
  checkSummary(result.summary, 'writeRunOutputs: result');
  checkProvenance(result.summary.provenance, 'writeRunOutputs: result.summary');
  checkEvents(result.events, 'writeRunOutputs: result');
  checkSeries(series, 'writeRunOutputs');
  // A misspelt key was ignored, and options null failed reading report of null deep inside.
  checkOptionsObject(options, ['report'], 'writeRunOutputs');
  if (options.report !== undefined) checkReportOptions(options.report, 'writeRunOutputs: report');
  const summary = result.summary;
  if (series.frameBytes !== summary.host.frameBytes) {
    throw new RangeError(`writeRunOutputs: the series counts frames of ${series.frameBytes} bytes, the run's are ${summary.host.frameBytes} bytes: make the TimeSeries with the scenario's frameBytes`);
  }
  const names = summary.guests.map((guest) => guest.name);
  if (series.guestNames.length !== names.length || series.guestNames.some((name, index) => name !== names[index])) {
    throw new RangeError(`writeRunOutputs: the series is of other guests than the run (${series.guestNames.length} guests, the run's are ${names.length}): make the TimeSeries with the scenario's guest names, in order`);
  }
}

/** Writes every file of RUN_OUTPUT_FILES into `dir`, with the writers' unchecked forms: the arguments are checked (or made) by the caller. */
async function writeFiles(dir: string, result: RunResult, series: TimeSeries, options: RunOutputOptions): Promise<void> {
  const { summary, events } = result;
  const metadata = { 'balloonsim.scenario': summary.scenario, 'balloonsim.seed': String(summary.seed) };
  const path = (name: RunOutputFile): string => join(dir, name);
  writeTimeSeriesCsvUnchecked(path('timeseries.csv'), series);
  writeHostTimeSeriesCsvUnchecked(path('host-timeseries.csv'), series);
  writeFileAtomic(path('events.jsonl'), eventsJsonlUnchecked(events, summary.provenance));
  await writeParquet([
    { path: path('timeseries.parquet'), table: guestSeriesTable(series, metadata) },
    { path: path('host-timeseries.parquet'), table: hostSeriesTable(series, metadata) },
    { path: path('events.parquet'), table: eventsTable(events, metadata) },
  ]);
  writeFileAtomic(path('trace.json'), traceJson(buildTraceUnchecked(summary, series, events)));
  writeFileAtomic(path('report.html'), runReportHtmlUnchecked(summary, series, events, options.report));
  writeFileAtomic(path('summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}
