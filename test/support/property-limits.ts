/**
 * Limits that make a failing property explain itself within its test's time
 * (STYLE.md, "tests that find bugs and explain them"): a fast-check plugin that
 *
 * - bounds shrinking: once a run has failed, shrinking stops after `shrinkMs`
 *   (default 30 s, BALLOONSIM_SHRINK_MS) or at the test's deadline (its
 *   timeout less a margin to print the report), whichever comes first, and
 *   fast-check reports the smallest counterexample found so far, with its
 *   seed and path. Shrinking on worker threads is slow: without a bound, a
 *   failure found late ended as vitest's "Test timed out" with nothing to
 *   replay;
 * - is a per-run watchdog for asynchronous runs: a run that has not finished
 *   after `runLimitMs` (default 60 s, BALLOONSIM_RUN_LIMIT_MS), or by the
 *   deadline, fails with a report of where every running simulation was
 *   (src/runtime/run-watch.ts) and is shrunk like any other failure. A
 *   synchronous run cannot be timed from its own thread: the hang watchdog
 *   thread (hang-watchdog.mjs) catches those, with the run in progress that
 *   this plugin publishes;
 * - stops the runs at the deadline (cutting short a run in progress) and
 *   then fails with a message that says so, and where a run cut short was
 *   (rather than vitest's timeout, which says nothing).
 */
import fc from 'fast-check';
import { describeRunningRuns } from '../../src/runtime/run-watch.js';
import { heartbeat, PROPERTY_REPORT_KEY } from './hang-watchdog.mjs';

/** Shrinking time after the first failure, unless BALLOONSIM_SHRINK_MS says otherwise. */
export const SHRINK_MS_DEFAULT = 30_000;
/** A single asynchronous run longer than this is a hang, unless BALLOONSIM_RUN_LIMIT_MS says otherwise. */
export const RUN_LIMIT_MS_DEFAULT = 60_000;
/** Time kept at the end of a test's limit to build and print the report. */
export const REPORT_MARGIN_MS = 5_000;

export interface PropertyLimits {
  /** performance.now() by which the property must have ended, report included. */
  deadlineMs: number;
  shrinkMs: number;
  runLimitMs: number;
}

/** What the plugin saw, for the failure's message. */
export interface LimitsOutcome {
  /** Shrinking was stopped by the limits (the counterexample may not be the smallest). */
  shrinkStopped: boolean;
  /** Milliseconds spent shrinking. */
  shrinkMs: number;
  /** Runs were stopped at the deadline before any failure. */
  outOfTime: boolean;
  runsStarted: number;
  /** The run the deadline cut short, if one was running: its path, how long it had run and where the simulations were. */
  cutShort: string | null;
}

/** Where a run stands in fast-check's numbering, so that a hang can be replayed with BALLOONSIM_PATH. */
class PathTracker {
  private failurePath: string | null = null;
  private index = -1;

  constructor(private readonly basePath: string) {}

  /** The path of the run about to start. */
  next(): string {
    this.index++;
    const relative = this.failurePath === null ? `${this.index}` : `${this.failurePath}:${this.index}`;
    return mergePaths(this.basePath, relative);
  }

  /** The run just started failed: fast-check now shrinks from it. */
  failed(): void {
    this.failurePath = this.failurePath === null ? `${this.index}` : `${this.failurePath}:${this.index}`;
    this.index = -1;
  }
}

/** fast-check's RunExecution.mergePaths: a replayed path's first step offsets the new one's. */
function mergePaths(offsetPath: string, path: string): string {
  if (offsetPath.length === 0) return path;
  const offset = offsetPath.split(':');
  const rest = path.split(':');
  return [...offset.slice(0, -1), `${Number(offset[offset.length - 1]) + Number(rest[0])}`, ...rest.slice(1)].join(':');
}

function isFailure(result: unknown): boolean {
  return result !== null && typeof result === 'object' && !fc.PreconditionFailure.isFailure(result);
}

/** A run that did not finish: its report names the limit and says where the simulations were. */
export class RunHung extends Error {
  override name = 'RunHung';
}

function whereRunsAre(): string {
  const where = describeRunningRuns();
  return where === '' ? 'no simulation registered as running' : where;
}

/**
 * The plugin. `describeRun(path, value)` tells the hang watchdog about the
 * run in progress (name, seed, path, counterexample, replay line).
 */
export function limitsPlugin(limits: PropertyLimits, basePath: string, outcome: LimitsOutcome, describeRun: (path: string, value: unknown) => string): fc.UniversalPlugin {
  return () => {
    const paths = new PathTracker(basePath);
    let failedAtMs: number | null = null;
    const holder = globalThis as Record<symbol, unknown>;
    const record = (result: unknown): void => {
      if (isFailure(result)) {
        paths.failed();
        failedAtMs ??= performance.now();
      }
      if (failedAtMs !== null) outcome.shrinkMs = performance.now() - failedAtMs;
    };
    return {
      decorateRun: (nested) => (value) => {
        const now = performance.now();
        if (failedAtMs !== null) {
          if (now >= Math.min(failedAtMs + limits.shrinkMs, limits.deadlineMs)) {
            outcome.shrinkStopped = true;
            outcome.shrinkMs = now - failedAtMs;
            return new fc.PreconditionFailure(true);
          }
        } else if (now >= limits.deadlineMs) {
          outcome.outOfTime = true;
          return new fc.PreconditionFailure(true);
        }
        const path = paths.next();
        outcome.runsStarted++;
        heartbeat();
        holder[PROPERTY_REPORT_KEY] = () => describeRun(path, value);
        const out = nested(value);
        if (out === null || !('then' in out)) {
          record(out);
          return out;
        }
        // The run's watchdog: past the run limit the run is hung (a failure, shrunk like any
        // other); at the test's deadline it is cut short (an interruption, reported as such).
        const byDeadline = limits.deadlineMs - now < limits.runLimitMs;
        const limitMs = Math.max(1, Math.min(limits.runLimitMs, limits.deadlineMs - now));
        let timer: ReturnType<typeof setTimeout> | undefined;
        const watchdog = new Promise<{ error: RunHung } | fc.PreconditionFailure>((resolve) => {
          timer = setTimeout(() => {
            if (!byDeadline) {
              resolve({ error: new RunHung(`run ${path} did not finish within ${(limitMs / 1000).toFixed(1)} s (BALLOONSIM_RUN_LIMIT_MS); where it was:\n${whereRunsAre()}`) });
              return;
            }
            outcome.cutShort = `run ${path} had run for ${((performance.now() - now) / 1000).toFixed(1)} s when the deadline came; where it was:\n${whereRunsAre()}`;
            if (failedAtMs === null) outcome.outOfTime = true;
            else outcome.shrinkStopped = true;
            resolve(new fc.PreconditionFailure(true));
          }, limitMs);
        });
        return Promise.race([out, watchdog]).then((result) => {
          clearTimeout(timer);
          record(result);
          return result;
        }) as ReturnType<typeof nested>;
      },
      afterAll: () => {
        delete holder[PROPERTY_REPORT_KEY];
      },
    };
  };
}
