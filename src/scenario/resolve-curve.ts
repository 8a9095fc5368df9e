/** Turns a parsed SIZESPEC into a `SizeCurve`: cross-field rules, defaults that depend on the scenario, trace files. */
import { relative, resolve as resolvePath, isAbsolute } from 'node:path';
import type { PathSegment } from './errors.js';
import type { IssueList } from './raw-issue.js';
import type { SizeSpecFile } from './schema.js';
import { loadTraceCsv } from './trace-csv.js';
import type { SizeCurve } from '../model/scenario.js';
import { formatBytes, formatDuration } from '../model/units.js';

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
