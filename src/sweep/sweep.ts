/**
 * Sweeps: many simulations in parallel, one case per task on a piscina pool
 * of worker threads (inline placement inside each task), with an optional
 * shard so that a batch scheduler can spread one sweep over many machines.
 */
import { existsSync } from 'node:fs';
import { BALLOONSIM_VERSION } from '../util/version.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { abortErrorOf, throwIfAborted } from '../runtime/abort.js';
import { RunFailure } from '../runtime/errors.js';
import type { Scenario } from '../scenario/types.js';
import { expandGrid, gridOfScenarios, type GridSpec, type SweepGrid } from './grid.js';
import { inShard, parseShard, type Shard } from './shard.js';
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
  /** Called as each case ends (in the order they end). */
  onCaseDone?: (row: SweepRow, done: number, total: number) => void;
  /** Stops the sweep once aborted: cases not started are dropped, running ones are stopped, and the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Most worker threads a sweep starts. */
export const SWEEP_CONCURRENCY_MAX = 256;

/** The compiled worker file. From the TypeScript sources (tests), the build in dist/ is used. */
function workerPath(): string {
  const here = new URL(import.meta.url);
  const url = here.pathname.endsWith('.ts') ? new URL('../../dist/sweep/sweep-worker.js', here) : new URL('./sweep-worker.js', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new RunFailure('NOT_BUILT', `the sweep worker is missing at ${path}; run \`npm run build\` first`);
  return path;
}

function isGrid(input: SweepInput): input is SweepGrid {
  return !Array.isArray(input) && typeof (input as SweepGrid).fingerprint === 'string' && Array.isArray((input as SweepGrid).cases);
}

/** Expands whatever `sweep` was given into a grid. */
export function toGrid(input: SweepInput): SweepGrid {
  if (Array.isArray(input)) return gridOfScenarios(input as ReadonlyArray<Scenario>);
  if (isGrid(input)) return input;
  return expandGrid(input as GridSpec, { source: 'library' });
}

function checkShard(shard: SweepOptions['shard']): Shard | null {
  if (shard === undefined || shard === null) return null;
  if (typeof shard === 'string') {
    const parsed = parseShard(shard);
    if (typeof parsed === 'string') throw new RangeError(`sweep: ${parsed}`);
    return parsed;
  }
  const parsed = parseShard(`${shard.index}/${shard.count}`);
  if (typeof parsed === 'string') throw new RangeError(`sweep: ${parsed}`);
  return parsed;
}

/** `case-0007`: the directory of a case's own outputs. */
export function caseDirName(caseIndex: number): string {
  return `case-${String(caseIndex).padStart(4, '0')}`;
}

/**
 * Runs a sweep (or one shard of it) and returns its table, rows in case
 * order. A case that fails gives a row with status `failed`; the sweep goes on.
 *
 * @example
 * ```ts
 * const table = await sweep({ base: 'default', durationMs: 120_000, parameters: { seed: [1, 2, 3, 4] } }, { concurrency: 2 });
 * for (const row of table.rows) console.log(row.label, row.metrics?.savedBytesMean);
 * ```
 */
export async function sweep(input: SweepInput, options: SweepOptions = {}): Promise<SweepTable> {
  const started = performance.now();
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > SWEEP_CONCURRENCY_MAX) {
    throw new RangeError(`sweep: concurrency must be a whole number from 1 to ${SWEEP_CONCURRENCY_MAX}, got ${concurrency}`);
  }
  if (options.sampleEveryTicks !== undefined && !(Number.isSafeInteger(options.sampleEveryTicks) && options.sampleEveryTicks >= 1)) {
    throw new RangeError(`sweep: sampleEveryTicks must be a positive whole number, got ${options.sampleEveryTicks}`);
  }
  throwIfAborted(options.signal, 'sweep');
  const shard = checkShard(options.shard);
  const grid = toGrid(input);
  const cases = grid.cases.filter((c) => inShard(c.index, shard));
  const threads = Math.max(1, Math.min(concurrency, cases.length));
  const results: SweepTaskResult[] = [];
  if (cases.length > 0) {
    const pool = new Piscina<SweepTask, SweepTaskResult>({ filename: workerPath(), minThreads: threads, maxThreads: threads, concurrentTasksPerWorker: 1, idleTimeout: 10_000 });
    try {
      let done = 0;
      await Promise.all(
        cases.map(async (c) => {
          const task: SweepTask = {
            case: c.index,
            label: c.label,
            parameters: c.parameters,
            scenario: c.scenario,
            ...(options.sampleEveryTicks !== undefined ? { sampleEveryTicks: options.sampleEveryTicks } : {}),
            ...(options.caseOutputsDir !== undefined ? { outDir: join(options.caseOutputsDir, caseDirName(c.index)) } : {}),
          };
          let result: SweepTaskResult;
          try {
            result = await pool.run(task, options.signal !== undefined ? { signal: options.signal } : {});
          } catch (error) {
            if (options.signal?.aborted === true) throw abortErrorOf(options.signal, `sweep (${done} of ${cases.length} cases done)`);
            // The task itself never throws (a failed case is a row); this is the thread dying under it.
            const message = error instanceof Error ? error.message : String(error);
            result = { row: { case: c.index, label: c.label, parameters: c.parameters, status: 'failed', error: { code: 'WORKER_FAILED', message }, metrics: null }, wallSeconds: 0 };
          }
          results.push(result);
          done++;
          options.onCaseDone?.(result.row, done, cases.length);
        }),
      );
    } finally {
      await pool.destroy();
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
    rows: results.map((r) => r.row),
    timing: [
      {
        wallSeconds: (performance.now() - started) / 1000,
        concurrency: threads,
        caseSeconds: Object.fromEntries(results.map((r) => [String(r.row.case), Math.round(r.wallSeconds * 1000) / 1000])),
        madeBy: { tool: 'balloonsim', version: BALLOONSIM_VERSION, node: process.version },
      },
    ],
  };
}
