/**
 * Sweeps: many simulations in parallel, one case per task on a pool of
 * worker threads (inline placement inside each task) that stays warm from
 * case to case, with an optional shard so that a batch scheduler can spread
 * one sweep over many machines, and a record of finished cases on disk so
 * that an interrupted sweep resumes where it stopped.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { abortErrorOf, throwIfAborted } from '../runtime/abort.js';
import { policyCallLimitMs } from '../runtime/policy-watch/policy-watch.js';
import { checkAbortSignal, checkOptionalCount, checkOptionalFunction, checkOptionsObject, refuseUnknownOptions } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import { BALLOONSIM_VERSION } from '../util/version.js';
import type { Scenario } from '../model/scenario.js';
import { expandGrid, gridOfScenarios, type GridSpec, type SweepCase, type SweepGrid } from './grid.js';
import { loadFinishedCases, saveFinishedCase, type FinishedCase } from './progress.js';
import { inShard, parseShard, type Shard } from './shard.js';
import { SweepPool } from './sweep-pool.js';
import { SWEEP_TABLE_SCHEMA_VERSION, type SweepRow, type SweepTable } from './table.js';
import type { SweepTask, SweepTaskResult } from './sweep-task.js';

/** What `sweep` runs: an expanded grid, a grid to expand, or a list of scenarios. */
export type SweepInput = SweepGrid | GridSpec | ReadonlyArray<Scenario>;

export interface SweepOptions {
  /** Cases run at once, one per worker thread; default: the machine's available parallelism. */
  concurrency?: number;
  /** Run only this shard (`{index: 1, count: 4}` or `"1/4"`); default: every case. */
  shard?: Shard | string | null;
  /** Sample interval of each case, for the time averages; default as `run --out`. */
  sampleEveryTicks?: number;
  /** When set, each case writes its `run --out` files into DIR/case-NNNN. */
  caseOutputsDir?: string;
  /**
   * When set, each finished case's row is written there at once (crash-safe),
   * and the cases already there are not run again: an interrupted sweep
   * given the same directory resumes. Rows of another grid make it throw
   * `SweepResumeError`.
   */
  rowsDir?: string;
  /** Worker threads to run the cases on (kept warm between sweeps); default: a pool of `concurrency` threads made for this sweep. */
  pool?: SweepPool;
  /** Called as each case ends (in the order they end); cases finished before a resume are not reported again. */
  onCaseDone?: (row: SweepRow, done: number, total: number) => void;
  /** Stops the sweep once aborted: cases not started are dropped, running ones are stopped, and the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /** CPU time, in ms, one call into a policy module may use before its case is stopped and fails with a PolicyError (0: not watched); as simulate's. */
  policyCallLimitMs?: number;
}

/** Most worker threads a sweep starts. */
export const SWEEP_CONCURRENCY_MAX = 256;

function isGrid(input: SweepInput): input is SweepGrid {
  return !Array.isArray(input) && typeof (input as SweepGrid).fingerprint === 'string' && Array.isArray((input as SweepGrid).cases);
}

/** Expands whatever `sweep` was given into a grid. */
export function toGrid(input: SweepInput): SweepGrid {
  if (input === null || typeof input !== 'object') {
    throw new TypeError(`sweep: expected a grid ({ base, parameters }), an expanded grid (expandGrid, loadGridFile) or a list of scenarios, got ${describeValue(input)}`);
  }
  if (Array.isArray(input)) return gridOfScenarios(input as ReadonlyArray<Scenario>);
  if (isGrid(input)) return input;
  return expandGrid(input as GridSpec, { source: 'library' });
}

function checkShard(shard: SweepOptions['shard']): Shard | null {
  if (shard === undefined || shard === null) return null;
  const parsed = parseShard(typeof shard === 'string' ? shard : `${shard.index}/${shard.count}`);
  if (typeof parsed === 'string') throw new RangeError(`sweep: ${parsed}`);
  return parsed;
}

/** `case-0007`: the directory of a case's own outputs. */
export function caseDirName(caseIndex: number): string {
  return `case-${String(caseIndex).padStart(4, '0')}`;
}

/** A case of a sweep's plan: whether a resumed sweep would run it. */
export interface PlannedCase {
  case: SweepCase;
  /** Finished before (its row is in `rowsDir`): a resumed sweep does not run it again. */
  finished: boolean;
}

type PlanOptions = Pick<SweepOptions, 'shard' | 'rowsDir' | 'sampleEveryTicks'>;
type SweepPlan = { grid: SweepGrid; shard: Shard | null; cases: PlannedCase[]; finished: Map<number, FinishedCase> };

/**
 * The cases a sweep would run (its shard), and which are finished already
 * (with `rowsDir`): what `sweep --dry-run` lists.
 *
 * @throws TypeError or RangeError for options it cannot use (null failed reading shard of null; a misspelt shard listed every case)
 */
export function planSweep(input: SweepInput, options: PlanOptions = {}): SweepPlan {
  checkOptionsObject(options, ['shard', 'rowsDir', 'sampleEveryTicks'], 'planSweep');
  if (options.rowsDir !== undefined && (typeof options.rowsDir !== 'string' || options.rowsDir === '')) throw new TypeError(`planSweep: rowsDir must be the path of a directory, got ${describeValue(options.rowsDir)}`);
  checkOptionalCount(options.sampleEveryTicks, 'sampleEveryTicks', 'planSweep', 1);
  return planCases(input, options);
}

/** planSweep's work, for sweep, whose options are checked already (and hold more keys). */
function planCases(input: SweepInput, options: PlanOptions): SweepPlan {
  const shard = checkShard(options.shard);
  const grid = toGrid(input);
  const all = options.rowsDir !== undefined ? loadFinishedCases(options.rowsDir, grid.fingerprint, grid.cases.length, options.sampleEveryTicks) : new Map<number, FinishedCase>();
  const cases = grid.cases.filter((c) => inShard(c.index, shard));
  const finished = new Map(cases.flatMap((c) => (all.has(c.index) ? [[c.index, all.get(c.index)!] as const] : [])));
  return { grid, shard, cases: cases.map((c) => ({ case: c, finished: finished.has(c.index) })), finished };
}

function taskOf(c: SweepCase, options: SweepOptions): SweepTask {
  return {
    case: c.index,
    label: c.label,
    base: c.base,
    parameters: c.parameters,
    scenario: c.scenario,
    ...(options.sampleEveryTicks !== undefined ? { sampleEveryTicks: options.sampleEveryTicks } : {}),
    ...(options.caseOutputsDir !== undefined ? { outDir: join(options.caseOutputsDir, caseDirName(c.index)) } : {}),
  };
}

const SWEEP_OPTION_KEYS: ReadonlyArray<string> = [
  'concurrency', 'shard', 'sampleEveryTicks', 'caseOutputsDir', 'rowsDir', 'pool', 'onCaseDone', 'signal', 'policyCallLimitMs',
];

/**
 * The options' keys and types, checked before a case runs: a misspelt key was
 * ignored; a signal that was not an AbortSignal failed every case with Node's
 * "The "signals[0]" argument must be an instance of AbortSignal"; an
 * onCaseDone that was not a function, or a directory that was not a path,
 * failed after the first case had run ("options.onCaseDone is not a function").
 */
function checkSweepOptions(options: SweepOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`sweep: options must be an object, got ${describeValue(options)}`);
  refuseUnknownOptions(options, SWEEP_OPTION_KEYS, 'sweep');
  checkAbortSignal(options.signal, 'sweep');
  checkOptionalFunction(options.onCaseDone, 'onCaseDone', 'sweep');
  if (options.pool !== undefined && !(options.pool instanceof SweepPool)) throw new TypeError(`sweep: pool must be a SweepPool (new SweepPool(threads)), got ${describeValue(options.pool)}`);
  for (const key of ['rowsDir', 'caseOutputsDir'] as const) {
    const dir = options[key];
    if (dir !== undefined && (typeof dir !== 'string' || dir === '')) throw new TypeError(`sweep: ${key} must be the path of a directory, got ${describeValue(dir)}`);
  }
}

/**
 * Runs a sweep (or one shard of it) and returns its table, rows in case
 * order. A case that fails gives a row with status `failed`; the sweep goes
 * on. With `rowsDir`, cases finished by an earlier, interrupted sweep are
 * taken from there and not run again.
 *
 * @example
 * ```ts
 * const table = await sweep({ base: 'default', durationMs: 120_000, parameters: { seed: [1, 2, 3, 4] } }, { concurrency: 2 });
 * for (const row of table.rows) console.log(row.label, row.status, row.metrics?.savedBytesMean);
 * ```
 */
export async function sweep(input: SweepInput, options: SweepOptions = {}): Promise<SweepTable> {
  const started = performance.now();
  checkSweepOptions(options);
  const concurrency = options.pool?.threads ?? options.concurrency ?? availableParallelism();
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > SWEEP_CONCURRENCY_MAX) {
    throw new RangeError(`sweep: concurrency must be a whole number from 1 to ${SWEEP_CONCURRENCY_MAX}, got ${concurrency}`);
  }
  if (options.sampleEveryTicks !== undefined && !(Number.isSafeInteger(options.sampleEveryTicks) && options.sampleEveryTicks >= 1)) {
    throw new RangeError(`sweep: sampleEveryTicks must be a positive whole number, got ${options.sampleEveryTicks}`);
  }
  if (options.policyCallLimitMs !== undefined) policyCallLimitMs(options.policyCallLimitMs, 'sweep');
  throwIfAborted(options.signal, 'sweep');
  const { grid, shard, cases, finished } = planCases(input, options);
  const toRun = cases.filter((c) => !finished.has(c.case.index)).map((c) => c.case);
  const results: SweepTaskResult[] = cases.flatMap((c) => {
    const done = finished.get(c.case.index);
    return done === undefined ? [] : [{ row: done.row, wallSeconds: done.wallSeconds }];
  });
  const threads = Math.max(1, Math.min(concurrency, toRun.length));
  if (toRun.length > 0) {
    const pool = options.pool ?? new SweepPool(threads);
    try {
      let done = 0;
      await Promise.all(
        toRun.map(async (c) => {
          let result: SweepTaskResult;
          try {
            result = await pool.run(taskOf(c, options), options.signal, options.policyCallLimitMs !== undefined ? { policyCallLimitMs: options.policyCallLimitMs } : {});
          } catch (error) {
            // pool.run gives a failed row for a thread that died; it throws only when the signal stopped the case.
            if (options.signal?.aborted === true) throw abortErrorOf(options.signal, `sweep (${done} of ${toRun.length} cases done)`);
            throw error;
          }
          if (options.rowsDir !== undefined) saveFinishedCase(options.rowsDir, grid.fingerprint, result.row, result.wallSeconds, options.sampleEveryTicks);
          results.push(result);
          done++;
          options.onCaseDone?.(result.row, done, toRun.length);
        }),
      );
    } finally {
      if (options.pool === undefined) await pool.close();
    }
  }
  results.sort((a, b) => a.row.case - b.row.case);
  return {
    kind: 'balloonsim-sweep',
    schemaVersion: SWEEP_TABLE_SCHEMA_VERSION,
    name: grid.name,
    fingerprint: grid.fingerprint,
    casesTotal: grid.cases.length,
    parameterNames: grid.parameterNames,
    shard,
    sampleEveryTicks: options.sampleEveryTicks ?? null,
    rows: results.map((r) => r.row),
    timing: [
      {
        wallSeconds: (performance.now() - started) / 1000,
        concurrency: threads,
        caseSeconds: Object.fromEntries(results.map((r) => [String(r.row.case), Math.round(r.wallSeconds * 1000) / 1000])),
        madeBy: { tool: 'balloonsim', version: BALLOONSIM_VERSION, node: process.version },
        ...(finished.size > 0 ? { resumedCases: finished.size } : {}),
      },
    ],
  };
}
