/**
 * `--out DIR`: everything a run leaves behind for people and tools:
 * summary.json, timeseries.csv, events.jsonl, trace.json and report.html.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../runtime/simulate.js';
import { eventsJsonl } from './events-jsonl.js';
import { runReportHtml } from './report-html.js';
import { timeSeriesCsv } from './timeseries-csv.js';
import type { TimeSeries } from './time-series.js';
import { buildTrace, traceJson } from './trace-events.js';

/** The files `writeRunOutputs` writes, in the order it writes them. */
export const RUN_OUTPUT_FILES = ['summary.json', 'timeseries.csv', 'events.jsonl', 'trace.json', 'report.html'] as const;

/**
 * Writes a run's files into `dir` (created if needed; files of the same name
 * are replaced). Returns the paths written.
 *
 * @param series the run's samples (see `TimeSeries`, fed by `simulate`'s `onSample`)
 */
export function writeRunOutputs(dir: string, result: RunResult, series: TimeSeries): string[] {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('writeRunOutputs: dir must be a non-empty path');
  mkdirSync(dir, { recursive: true });
  const { summary, events } = result;
  const contents: Record<(typeof RUN_OUTPUT_FILES)[number], () => string> = {
    'summary.json': () => `${JSON.stringify(summary, null, 2)}\n`,
    'timeseries.csv': () => timeSeriesCsv(series),
    'events.jsonl': () => eventsJsonl(events, summary.provenance),
    'trace.json': () => traceJson(buildTrace(summary, series, events)),
    'report.html': () => runReportHtml(summary, series, events),
  };
  return RUN_OUTPUT_FILES.map((name) => {
    const path = join(dir, name);
    writeFileSync(path, contents[name]());
    return path;
  });
}
