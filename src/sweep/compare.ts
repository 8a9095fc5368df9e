/**
 * Puts runs side by side: what each saved the host against what it cost the
 * guests. A run is a directory written by `run --out` (its summary.json, and
 * its timeseries.csv and host-timeseries.csv for averages over time), a summary.json file, or a
 * sweep's table (sweep.json, or the directory holding it), whose cases each
 * count as a run.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SUMMARY_SCHEMA_VERSION, type RunSummary } from '../runtime/summary.js';
import { checkSweepTable, SWEEP_TABLE_SCHEMA_VERSION, upgradeSweepTable, type SweepTable } from './table.js';
import { runSummaryProblem, sweepTableProblem } from './output-shapes.js';
import { formatBytesApprox } from '../model/units.js';
import { cannotReadMessage, readTextBounded, TEXT_FILE_BYTES_MAX } from '../util/read-bounded.js';
import { htmlPage } from '../output/html-page.js';
import { InputError } from '../output/input-error.js';
import { METRIC_COLUMNS, MetricsAccumulator, type RunMetrics } from '../output/run-metrics.js';
import { formatCsvNumber, parseTimeSeriesCsv } from '../output/timeseries-csv.js';
import { checkSeries, checkSummary } from '../output/run-checks.js';
import type { TimeSeries } from '../output/time-series.js';
import { describeValue } from '../util/suggest.js';

const MiB = 2 ** 20;

/** Host-wide figures of one run over time, in MiB (when its time series is at hand). */
export interface CompareSeries {
  timesS: number[];
  residentMiB: number[];
  balloonMiB: number[];
  hostFreeMiB: number[];
}

/** One run in a comparison. */
export interface CompareRun {
  label: string;
  /** Where it was read from. */
  source: string;
  metrics: RunMetrics;
  series: CompareSeries | null;
}

/** What compare reads, for the hint of a file it cannot read. */
const COMPARE_INPUTS = 'give the directory that run --out or sweep --out wrote, or its summary.json or sweep.json';

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readTextBounded(path, TEXT_FILE_BYTES_MAX);
  } catch (error) {
    throw new InputError(cannotReadMessage(path, error, COMPARE_INPUTS));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError(`${path} is not JSON`);
  }
}

function isSummary(value: unknown): value is RunSummary {
  const v = value as Partial<RunSummary> | null;
  return v !== null && typeof v === 'object' && typeof v.schemaVersion === 'number' && Array.isArray(v.guests) && typeof v.host === 'object' && typeof v.audit === 'object';
}

function isSweepTable(value: unknown): value is SweepTable {
  return (value as Partial<SweepTable> | null)?.kind === 'balloonsim-sweep';
}

/** Host-wide sums of a run's series. */
export function compareSeriesOf(series: TimeSeries): CompareSeries {
  const timesS: number[] = [];
  const residentMiB: number[] = [];
  const balloonMiB: number[] = [];
  const hostFreeMiB: number[] = [];
  const toMiB = (pages: number): number => Math.round(((pages * series.frameBytes) / MiB) * 100) / 100;
  for (let i = 0; i < series.length; i++) {
    let resident = 0;
    let balloon = 0;
    for (let g = 0; g < series.guests; g++) {
      resident += series.value('residentPages', i, g);
      balloon += series.value('balloonPages', i, g);
    }
    timesS.push(series.timeMs(i) / 1000);
    residentMiB.push(toMiB(resident));
    balloonMiB.push(toMiB(balloon));
    hostFreeMiB.push(toMiB(series.freeFrames(i)));
  }
  return { timesS, residentMiB, balloonMiB, hostFreeMiB };
}

/** A label or source: anything else was carried into the tables and the page as it was (null, NaN). */
function checkName(value: unknown, name: string, what: string, hint: string): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what}: ${name} must be a non-empty string (${hint}), got ${describeValue(value)}`);
}

/**
 * Runs to compare, as loadCompareRuns, sweepRuns and compareRunOf make them:
 * anything else failed deep inside ("runs.map is not a function", "Cannot
 * read properties of undefined (reading 'scenario')").
 */
function checkRuns(runs: unknown, what: string): asserts runs is ReadonlyArray<CompareRun> {
  const hint = 'from loadCompareRuns(paths), sweepRuns(table) or compareRunOf(label, source, summary, series)';
  if (!Array.isArray(runs)) throw new TypeError(`${what}: runs must be a list of runs to compare (${hint}), got ${describeValue(runs)}`);
  runs.forEach((run: Partial<CompareRun> | null, index) => {
    if (run === null || typeof run !== 'object' || typeof run.label !== 'string' || run.metrics === null || typeof run.metrics !== 'object' || (run.series !== null && typeof run.series !== 'object')) {
      throw new TypeError(`${what}: runs[${index}] must be a run to compare ({ label, source, metrics, series }, ${hint}), got ${describeValue(run)}`);
    }
  });
}

/** A run from its summary and, when given, its time series. */
export function compareRunOf(label: string, source: string, summary: RunSummary, series: TimeSeries | null): CompareRun {
  checkName(label, 'label', 'compareRunOf', 'the name the run goes by in the tables');
  checkName(source, 'source', 'compareRunOf', 'where the run comes from, such as its directory');
  checkSummary(summary, 'compareRunOf');
  // Undefined (rather than null for none) failed reading length of undefined.
  if (series !== null) checkSeries(series, 'compareRunOf: series (or null for none)');
  const metrics = new MetricsAccumulator();
  if (series !== null) for (let i = 0; i < series.length; i++) metrics.add(series.sample(i));
  return { label, source, metrics: metrics.finish(summary), series: series !== null && series.length > 0 ? compareSeriesOf(series) : null };
}

function runOfSummaryFile(path: string, label: string): CompareRun {
  const summary = readJson(path);
  if (!isSummary(summary)) throw new InputError(`${path} is not a balloonsim run summary (summary.json)`);
  const problem = runSummaryProblem(summary);
  if (problem !== null) throw new InputError(`${path} is damaged or not written by balloonsim: ${problem}; write it again with run --out`);
  const csvPath = join(dirname(path), 'timeseries.csv');
  const hostPath = join(dirname(path), 'host-timeseries.csv');
  let series: TimeSeries | null = null;
  if (existsSync(csvPath)) {
    const hostText = existsSync(hostPath) ? readSeriesBeside(hostPath, path) : null;
    const csvText = readSeriesBeside(csvPath, path);
    try {
      series = parseTimeSeriesCsv(csvText, hostText, summary.host.frameBytes, summary.host.frames, csvPath, hostPath);
    } catch (error) {
      throw new InputError(error instanceof Error ? error.message : String(error));
    }
  }
  return compareRunOf(label, path, summary, series);
}

/** A time series that `run --out` wrote beside the summary at `summaryPath`. */
function readSeriesBeside(file: string, summaryPath: string): string {
  try {
    return readTextBounded(file, TEXT_FILE_BYTES_MAX);
  } catch (error) {
    throw new InputError(cannotReadMessage(file, error, `it is the time series of ${summaryPath}: remove it, or write the run again with run --out`));
  }
}

/** The cases of a sweep table that ran, as runs to compare. */
export function sweepRuns(table: SweepTable, source = 'sweep'): CompareRun[] {
  checkSweepTable(table, 'sweepRuns');
  checkName(source, 'source', 'sweepRuns', "where the table comes from, such as its sweep.json; each case's is SOURCE#case-N");
  return table.rows.filter((row) => row.metrics !== null).map((row) => ({ label: row.label, source: `${source}#case-${row.case}`, metrics: row.metrics!, series: null }));
}

/**
 * Reads the runs to compare.
 *
 * @param paths run directories (from `run --out`), summary.json files, sweep directories or sweep.json files
 * @throws InputError for a path that is none of these
 */
export function loadCompareRuns(paths: ReadonlyArray<string>): CompareRun[] {
  // A string was read as paths of one character each, anything else failed as "paths is not iterable".
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string' && path !== '')) {
    throw new TypeError(`loadCompareRuns: paths must be a list of paths (run directories, summary.json files, sweep directories or sweep.json files), got ${describeValue(paths)}`);
  }
  const runs: CompareRun[] = [];
  for (const path of paths) {
    let file = path;
    if (existsSync(path) && statSync(path).isDirectory()) {
      if (existsSync(join(path, 'summary.json'))) file = join(path, 'summary.json');
      else if (existsSync(join(path, 'sweep.json'))) file = join(path, 'sweep.json');
      else throw new InputError(`${path} holds neither summary.json (from run --out) nor sweep.json (from sweep --out or merge --out)`);
    } else if (!existsSync(path)) {
      throw new InputError(`${path}: no such file or directory; ${COMPARE_INPUTS}`);
    }
    const value = readJson(file);
    const problem = isSweepTable(value) ? sweepTableProblem(value) : null;
    if (problem !== null) throw new InputError(`${file} is damaged or not written by balloonsim: ${problem}; write it again with sweep --out or merge --out`);
    // A file of another version was read as if it were of this one (merge refuses it): say which versions this one reads.
    if (isSweepTable(value) && upgradeSweepTable(value) === null) {
      throw new InputError(`${file} has table schema version ${value.schemaVersion}; this balloonsim reads versions 1 to ${SWEEP_TABLE_SCHEMA_VERSION}: compare it with the balloonsim that wrote it`);
    }
    if (isSummary(value) && !(value.schemaVersion >= 1 && value.schemaVersion <= SUMMARY_SCHEMA_VERSION)) {
      throw new InputError(`${file} has summary schema version ${value.schemaVersion}; this balloonsim reads versions 1 to ${SUMMARY_SCHEMA_VERSION}: compare it with the balloonsim that wrote it`);
    }
    if (isSweepTable(value)) runs.push(...sweepRuns(upgradeSweepTable(value)!, file));
    else if (isSummary(value)) {
      const label = file.endsWith('summary.json') && file !== 'summary.json' ? basename(dirname(file)) : basename(file, '.json');
      runs.push(runOfSummaryFile(file, label));
    } else throw new InputError(`${file} is neither a run summary (summary.json) nor a sweep table (sweep.json)`);
  }
  // Labels must tell the runs apart.
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.label, (counts.get(run.label) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const run of runs) {
    if (counts.get(run.label)! > 1) {
      const n = (seen.get(run.label) ?? 0) + 1;
      seen.set(run.label, n);
      run.label = `${run.label} #${n}`;
    }
  }
  return runs;
}

/** A metric as tables show it: sizes with units, counts with thousands separators. */
export function metricText(key: (typeof METRIC_COLUMNS)[number], metrics: Pick<RunMetrics, (typeof METRIC_COLUMNS)[number]['key']>): string {
  return metricValueText(key.unit, metrics[key.key]);
}

/** A value of a metric of `unit`, as tables show it. */
export function metricValueText(unit: (typeof METRIC_COLUMNS)[number]['unit'], value: number): string {
  switch (unit) {
    case 'bytes':
      return formatBytesApprox(value);
    case 'seconds':
      return value.toFixed(1);
    case 'fraction':
      return `${(value * 100).toFixed(1)} %`;
    default:
      return Math.round(value).toLocaleString('en-US');
  }
}

/** The comparison as a text table: one row per run. */
export function compareTable(runs: ReadonlyArray<CompareRun>): { header: string[]; rows: string[][] } {
  checkRuns(runs, 'compareTable');
  return {
    header: ['run', 'scenario', 'seed', ...METRIC_COLUMNS.map((c) => c.title)],
    rows: runs.map((run) => [run.label, run.metrics.scenario, String(run.metrics.seed), ...METRIC_COLUMNS.map((c) => metricText(c, run.metrics))]),
  };
}

/** The comparison as CSV: one row per run, every metric in its base unit. */
export function compareCsv(runs: ReadonlyArray<CompareRun>): string {
  checkRuns(runs, 'compareCsv');
  const keys = Object.keys(runs[0]?.metrics ?? {}) as Array<keyof RunMetrics>;
  const quote = (text: string): string => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = [['run', ...keys].join(',')];
  for (const run of runs) lines.push([quote(run.label), ...keys.map((k) => (typeof run.metrics[k] === 'number' ? formatCsvNumber(run.metrics[k]) : quote(String(run.metrics[k]))))].join(','));
  return `${lines.join('\n')}\n`;
}

/** One point of the comparison page: a run, a case of a sweep, or a sweep's setting with its seeds aggregated. */
export interface CompareReportRun {
  label: string;
  metrics: RunMetrics;
  /** A sweep case's status, or a setting's worst (absent for runs). */
  status?: string;
  /** For a setting with several seeds: how many, and the 95 % interval of each mean (drawn as error bars). */
  n?: number;
  ci95?: Partial<Record<keyof RunMetrics, [number, number]>>;
}

/** Everything the comparison page draws. */
export interface CompareReportData {
  kind: 'compare';
  title: string;
  subtitle: string;
  runs: CompareReportRun[];
  table: { header: string[]; rows: string[][] };
  /** More tables after the main one (a sweep's cases one by one, when the main table aggregates seeds). */
  moreTables?: Array<{ title: string; explain: string; header: string[]; rows: string[][] }>;
  /** Notes shown under the subtitle (refused cases, warnings). */
  notes?: string[];
  series: Array<{ label: string } & CompareSeries>;
}

/** A page from its data (compare.html, a sweep's report.html). */
export function compareReportHtml(data: CompareReportData): string {
  return htmlPage({ title: data.title, kind: 'compare-report', data });
}

/** The comparison page, as HTML text. */
export function compareHtml(runs: ReadonlyArray<CompareRun>, title = 'balloonsim: runs side by side'): string {
  checkRuns(runs, 'compareHtml');
  checkName(title, 'title', 'compareHtml', "the page's title");
  const data: CompareReportData = {
    kind: 'compare',
    title,
    subtitle: `${runs.length} run${runs.length === 1 ? '' : 's'}: memory saved by overcommit (guests' boot memory minus the host memory they held, averaged over time) against what it cost the guests.`,
    runs: runs.map((run) => ({ label: run.label, metrics: run.metrics })),
    table: compareTable(runs),
    series: runs.filter((run) => run.series !== null).map((run) => ({ label: run.label, ...run.series! })),
  };
  return htmlPage({ title, kind: 'compare-report', data });
}
