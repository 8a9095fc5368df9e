/** Turns a parsed SIZESPEC into a `SizeCurve`: cross-field rules, defaults that depend on the scenario, and the trace CSV files a curve replays. */
import { relative, resolve as resolvePath, isAbsolute } from 'node:path';
import type { PathSegment, IssueList } from './errors.js';
import type { SizeSpecFile } from './schema.js';
import type { SizeCurve } from '../model/scenario.js';
import { formatBytes, formatDuration, parseDuration, parseSize } from '../model/units.js';
import { CsvError, parse } from 'csv-parse/sync';
import { UnitError } from '../model/unit-error.js';
import { TRACE_FILE_BYTES_MAX, TRACE_POINTS_MAX } from './limits.js';
import { readProblem, readTextBounded, WRITE_PIPE_TO_FILE, type ReadProblemKind } from '../util/read-bounded.js';

export interface CurveContext {
  /** The scenario's duration (after any override): a ramp without `end` ends there. */
  durationMs: number;
  /** The scenario file's directory: trace paths are relative to it. */
  baseDir: string;
  issues: IssueList;
}

/** A file path as messages show it: relative to the working directory when it is below it. */
function shownPath(file: string): string {
  const fromCwd = relative(process.cwd(), file);
  return fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : file;
}

function resolveSteps(steps: NonNullable<Exclude<SizeSpecFile, number>['steps']>, path: PathSegment[], issues: IssueList): SizeCurve {
  const points = steps.map((step) => (Array.isArray(step) ? { atMs: step[0], bytes: step[1] } : { atMs: step.at, bytes: step.size }));
  for (let i = 1; i < points.length; i++) {
    const [previous, current] = [points[i - 1], points[i]];
    if (previous !== undefined && current !== undefined && current.atMs <= previous.atMs) {
      issues.add([...path, i], `this step at ${formatDuration(current.atMs)} is not after the step before it (${formatDuration(previous.atMs)})`, 'step times must strictly increase');
    }
  }
  const first = points[0];
  // Before the first step the size is 0; say so explicitly so the curve covers all time.
  if (first !== undefined && first.atMs > 0) points.unshift({ atMs: 0, bytes: 0 });
  return { kind: 'steps', steps: points };
}

function resolveTrace(trace: string, path: PathSegment[], context: CurveContext): SizeCurve | undefined {
  const file = resolvePath(context.baseDir, trace);
  const result = loadTraceCsv(file);
  if (!result.ok) {
    for (const problem of result.problems) {
      const where = problem.line === undefined ? shownPath(file) : `${shownPath(file)}:${problem.line}`;
      context.issues.add(path, `${where}: ${problem.message}`, problem.hint);
    }
    return undefined;
  }
  const points = result.points;
  const first = points[0];
  // A trace that starts late is flat at its first value before it.
  if (first !== undefined && first.atMs > 0) points.unshift({ atMs: 0, bytes: first.bytes });
  return { kind: 'trace', points, source: file };
}

/**
 * Resolves one workload size. Reports problems to `context.issues` and returns
 * undefined when the curve cannot be built.
 *
 * @param path where the SIZESPEC is in the file (`guests[0].workload[1].size`)
 */
export function resolveCurve(spec: SizeSpecFile, path: PathSegment[], context: CurveContext): SizeCurve | undefined {
  const { issues } = context;
  if (typeof spec === 'number') return { kind: 'constant', bytes: spec };
  if (spec.constant !== undefined) return { kind: 'constant', bytes: spec.constant };
  if (spec.steps !== undefined) return resolveSteps(spec.steps, [...path, 'steps'], issues);
  if (spec.ramp !== undefined) {
    const { from, to, start } = spec.ramp;
    const end = spec.ramp.end ?? context.durationMs;
    if (end <= start) {
      if (spec.ramp.end === undefined) {
        issues.add([...path, 'ramp', 'start'], `the ramp starts at ${formatDuration(start)}, not before the end of the scenario (${formatDuration(end)})`, 'give the ramp an end, or start it earlier');
      } else {
        issues.add([...path, 'ramp', 'end'], `the ramp ends at ${formatDuration(end)}, not after its start (${formatDuration(start)})`, 'end must be later than start');
      }
      return undefined;
    }
    return { kind: 'ramp', fromBytes: from, toBytes: to, startMs: start, endMs: end };
  }
  if (spec.sine !== undefined) {
    const { min, max, period, phase } = spec.sine;
    if (max < min) {
      issues.add([...path, 'sine', 'max'], `max (${formatBytes(max)}) is less than min (${formatBytes(min)})`, 'swap them, or raise max');
      return undefined;
    }
    return { kind: 'sine', minBytes: min, maxBytes: max, periodMs: period, phaseMs: phase };
  }
  if (spec.bursts !== undefined) {
    const { base, peak, every, length } = spec.bursts;
    if (peak < base) {
      issues.add([...path, 'bursts', 'peak'], `peak (${formatBytes(peak)}) is less than base (${formatBytes(base)})`, 'a burst rises from base to peak');
      return undefined;
    }
    return { kind: 'bursts', baseBytes: base, peakBytes: peak, meanGapMs: every, meanLengthMs: length };
  }
  if (spec.trace !== undefined) return resolveTrace(spec.trace, [...path, 'trace'], context);
  return undefined; // unreachable: the schema requires exactly one curve kind
}

// ---- trace files

/**
 * Workload traces: a CSV file with a header row and two columns, time and size.
 *
 *     time,bytes            seconds,MiB          time,size
 *     0s,1073741824         0,1024               0s,1GiB
 *     10s,2147483648        10.5,2048            1m,1.5GiB
 *
 * A time cell is a duration (`10s`), or a bare number when the header names its
 * unit (`seconds`, `time_ms`, `t (min)`). A size cell is a size (`1.5GiB`), or a bare
 * number when the header names its unit (`bytes`, `MiB`, `rss (GiB)`). Times must
 * strictly increase.
 *
 * The text is read by csv-parse (RFC 4180: fields in double quotes may hold
 * commas, quotes doubled inside them, line breaks), with `#` comments (whole
 * lines or the end of a line), blank lines skipped, a byte-order mark
 * dropped, and cells trimmed. Every problem names its line.
 */
export interface TracePoint {
  atMs: number;
  bytes: number;
}

/** A problem in a trace file, at a 1-based line when it is about one line. */
export interface TraceProblem {
  line?: number;
  message: string;
  hint?: string | undefined;
}

export type TraceResult = { ok: true; points: TracePoint[] } | { ok: false; problems: TraceProblem[] };

const PROBLEMS_MAX = 10;

const TIME_WORDS: Readonly<Record<string, string>> = {
  ms: 'ms', msec: 'ms', msecs: 'ms', millis: 'ms', milliseconds: 'ms',
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's',
  m: 'm', min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  d: 'd', day: 'd', days: 'd',
};
const SIZE_WORDS = new Set(['B', 'KiB', 'MiB', 'GiB', 'TiB', 'KB', 'MB', 'GB', 'TB']);

/** The unit a header cell names, if any: `time_seconds` → `s`, `rss (MiB)` → `MiB`, `bytes` → `B`. */
function headerUnit(cell: string, kind: 'time' | 'size'): string | undefined {
  for (const word of cell.split(/[^A-Za-z]+/)) {
    if (kind === 'time' && TIME_WORDS[word.toLowerCase()] !== undefined) return TIME_WORDS[word.toLowerCase()];
    if (kind === 'size' && SIZE_WORDS.has(word)) return word;
    if (kind === 'size' && /^bytes?$/i.test(word)) return 'B';
  }
  return undefined;
}

const BARE_NUMBER = /^(\d+(?:\.\d+)?|\.\d+)$/;

function readTime(cell: string, unit: string | undefined): number {
  if (BARE_NUMBER.test(cell)) {
    if (unit === undefined) throw new UnitError('', `time ${JSON.stringify(cell)} has no unit`, `write ${cell}s, or name the unit in the header (for example seconds)`);
    return parseDuration(`${cell}${unit}`, '');
  }
  return parseDuration(cell, '');
}

function readSize(cell: string, unit: string | undefined): number {
  if (BARE_NUMBER.test(cell)) {
    if (unit === undefined) throw new UnitError('', `size ${JSON.stringify(cell)} has no unit`, `write ${cell}MiB, or name the unit in the header (for example bytes)`);
    return parseSize(`${cell}${unit}`, '');
  }
  return parseSize(cell, '');
}

/** A row as csv-parse gives it with `info`: its cells and the line it ends on. */
interface CsvRow {
  record: string[];
  info: { lines: number };
}

/** The line where the quote that is never closed opens (quotes toggle; a doubled quote toggles twice). */
function unclosedQuoteLine(text: string): number | undefined {
  let line = 1;
  let openedAt: number | undefined;
  let inQuote = false;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (!inQuote && lineStart && char === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    }
    if (i >= text.length) break;
    if (text[i] === '"') {
      inQuote = !inQuote;
      if (inQuote) openedAt = line;
    }
    lineStart = text[i] === '\n';
    if (text[i] === '\n') line++;
  }
  return inQuote ? openedAt : undefined;
}

/** What csv-parse says of text that is not CSV, in our words, with the line. */
function csvProblem(error: CsvError, text: string): TraceProblem {
  const reported = (error as unknown as { lines?: unknown }).lines;
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
    const line = unclosedQuoteLine(text) ?? (typeof reported === 'number' ? reported : undefined);
    return { ...(line !== undefined ? { line } : {}), message: 'not valid CSV: a quote opens here and is never closed', hint: 'a cell that starts with " must end with "; write a quote inside a quoted cell as ""' };
  }
  const line = typeof reported === 'number' ? reported : undefined;
  const detail = error.message.replace(/ at line \d+/, '');
  return { ...(line !== undefined ? { line } : {}), message: `not valid CSV: ${detail}`, hint: 'after a closing " comes a comma or the end of the line; check the quotes and commas on this line' };
}

/** Parses the text of a trace file. */
export function parseTraceCsv(text: string): TraceResult {
  let rows: CsvRow[];
  try {
    rows = parse(text, { bom: true, comment: '#', skip_empty_lines: true, trim: true, relax_column_count: true, info: true }) as unknown as CsvRow[];
  } catch (error) {
    if (error instanceof CsvError) return { ok: false, problems: [csvProblem(error, text)] };
    throw error;
  }
  const problems: TraceProblem[] = [];
  const points: TracePoint[] = [];
  let units: { time: string | undefined; size: string | undefined } | undefined;
  for (const { record, info } of rows) {
    if (problems.length >= PROBLEMS_MAX) break;
    const line = info.lines;
    if (record.length === 1 && record[0] === '') continue;
    if (record.length !== 2) {
      problems.push({ line, message: `expected 2 columns (time and size), found ${record.length}`, hint: 'write rows like 10s,1GiB (quote a cell that holds a comma)' });
      continue;
    }
    const [first = '', second = ''] = record;
    if (units === undefined) {
      if (/^[\d.]/.test(first)) {
        problems.push({ line, message: 'the first row must be a header', hint: 'start the file with a header row such as time,bytes' });
        return { ok: false, problems };
      }
      units = { time: headerUnit(first, 'time'), size: headerUnit(second, 'size') };
      continue;
    }
    try {
      const point = { atMs: readTime(first, units.time), bytes: readSize(second, units.size) };
      const previous = points[points.length - 1];
      if (previous !== undefined && point.atMs <= previous.atMs) {
        problems.push({ line, message: `time ${first} is not after the previous row's time`, hint: 'times must strictly increase' });
        continue;
      }
      if (points.length >= TRACE_POINTS_MAX) {
        problems.push({ line, message: `the trace has more than ${TRACE_POINTS_MAX} rows`, hint: 'resample it to fewer points' });
        break;
      }
      points.push(point);
    } catch (error) {
      if (!(error instanceof UnitError)) throw error;
      problems.push({ line, message: error.reason, hint: error.hint });
    }
  }
  if (problems.length === 0 && points.length === 0) {
    problems.push({ message: 'the trace has no data rows', hint: 'after the header, write rows like 10s,1GiB' });
  }
  return problems.length === 0 ? { ok: true, points } : { ok: false, problems };
}

/** Reads and parses a trace file; a file that cannot be read is a problem without a line. */
export function loadTraceCsv(file: string): TraceResult {
  let text: string;
  try {
    // Read with a bound, not after a look at the size: /dev/zero and the like say 0 and never end.
    text = readTextBounded(file, TRACE_FILE_BYTES_MAX);
  } catch (error) {
    const { kind, reason } = readProblem(error);
    return { ok: false, problems: [{ message: `cannot read the trace: ${reason}`, hint: traceReadHint(kind) }] };
  }
  return parseTraceCsv(text);
}

function traceReadHint(kind: ReadProblemKind): string {
  switch (kind) {
    case 'denied':
      return 'check the file permissions';
    case 'directory':
      return 'give the path of a CSV file';
    case 'not-regular':
      return `give the path of a CSV file; ${WRITE_PIPE_TO_FILE}`;
    case 'too-large':
      return 'resample it to fewer points';
    case 'missing':
    case 'other':
      return "a trace path is relative to the scenario file's directory";
  }
}
