/**
 * The worker threads a sweep runs its cases on: a piscina pool whose
 * threads stay up from case to case (and from sweep to sweep when the same
 * pool is given again), so that each thread loads and warms up the
 * simulator once, not once per case.
 */
import { createRequire } from 'node:module';
import type { Piscina } from 'piscina';
import { builtFile } from '../runtime/errors.js';
import { CaseWatch } from './case-watch.js';
import type { SweepTask, SweepTaskResult } from './sweep-task.js';

/** Seconds an idle thread stays up waiting for the next case or sweep. */
const IDLE_SECONDS = 30;

/**
 * piscina, loaded with the first pool: loading it takes about 14 ms of CPU,
 * which every start of the command line paid before, sweep or not.
 */
let piscina: typeof import('piscina') | undefined;
function loadPiscina(): typeof import('piscina') {
  return (piscina ??= createRequire(import.meta.url)('piscina') as typeof import('piscina'));
}

/**
 * The compiled file the threads load (sweep-thread.cjs: see there why it is
 * CommonJS). From the TypeScript sources (tests), the build in dist/ is used;
 * from the bundled command line (dist/bundle), the one in dist/sweep.
 */
export function sweepThreadPath(): string {
  const here = new URL(import.meta.url);
  return builtFile(here.pathname.endsWith('.ts') ? new URL('../../dist/sweep/sweep-thread.cjs', here) : new URL('../sweep/sweep-thread.cjs', here), 'the sweep worker');
}

/** A pool of `threads` worker threads for sweep cases. Close it with `close` (idle threads do not keep the process alive). */
export class SweepPool {
  private readonly pool: Piscina<SweepTask, SweepTaskResult>;

  constructor(readonly threads: number) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`SweepPool: threads must be a positive whole number, got ${threads}`);
    this.pool = new (loadPiscina().Piscina)<SweepTask, SweepTaskResult>({
      filename: sweepThreadPath(),
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: IDLE_SECONDS * 1000,
    });
  }

  /**
   * Runs one case. A thread that dies under it gives a `failed` row
   * (WORKER_FAILED), not an exception; so does a call into a policy module
   * that runs past `policyCallLimitMs` of CPU time (case-watch.ts; default as
   * simulate's): its thread is stopped and replaced, and the row has the
   * PolicyError's code and message. Once `signal` is aborted, a case not
   * started is dropped and a running one is stopped (its thread replaced):
   * then it throws piscina's abort error.
   */
  async run(task: SweepTask, signal?: AbortSignal, options: { policyCallLimitMs?: number } = {}): Promise<SweepTaskResult> {
    const watch = CaseWatch.start(task.scenario, options.policyCallLimitMs);
    const signals = [signal, watch?.signal].filter((one): one is AbortSignal => one !== undefined);
    try {
      return await this.pool.run(watch === null ? task : { ...task, policyCallMarks: watch.buffer }, signals.length > 0 ? { signal: AbortSignal.any(signals) } : {});
    } catch (error) {
      if (signal?.aborted === true) throw error;
      const failure = watch?.error ?? null;
      const message = failure?.message ?? (error instanceof Error ? error.message : String(error));
      return {
        row: { case: task.case, label: task.label, base: task.base, parameters: task.parameters, status: 'failed', refused: [], warnings: [], error: { code: failure?.code ?? 'WORKER_FAILED', message }, metrics: null },
        wallSeconds: 0,
      };
    } finally {
      watch?.stop();
    }
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
