/**
 * Free-running mode (DESIGN.md): no tick barrier. Guest workers step their
 * guests and device sides as fast as they can (free-guest-loop.ts) and send
 * each round's report in one batch; the coordinator takes each batch the
 * moment it arrives and answers with the memory manager's orders since.
 * Device sides on different workers, the coordinator's recovery of killed
 * workers and the frame table really race; an auditor on its own thread
 * checks invariants 1 and 2 all along (audit/concurrent-*.ts), and a full
 * audit runs at the quiescent end.
 *
 * Clocks: each guest's simulated time is its worker's round count times the
 * tick. The manager's clock is the round that every running worker has
 * finished: scenario events, the policy, worker kills and the liveness
 * watch follow it.
 *
 * The result depends on timing: it is not reproducible, and says so in
 * `timing.mode`.
 */
import type { Scenario } from '../../model/scenario.js';
import { abortErrorOf } from '../abort.js';
import { prepareRun, type RunSetupOptions } from '../run-setup.js';
import type { RunResult } from '../simulate.js';
import type { DeliveryHook } from './free-delivery.js';
import { FreeRun } from './free-run.js';

export interface FreeRunOptions {
  /** Overrides the scenario's seed (guests' seeds and random faults; the run itself still depends on timing). */
  seed?: number;
  /** Guest worker threads; default: the machine's available parallelism, at most one per shard. */
  workers?: number;
  /** Instead of `workers`: as many workers as it takes to host at most this many guests each. */
  guestsPerWorker?: number;
  /** Batches a worker may have in flight (default 4; 1 makes every round a synchronous round trip). */
  window?: number;
  /** Rounds a worker may run ahead of the manager's clock (default 4): how late, in the guests' time, the manager's orders may come. */
  leadRounds?: number;
  /** Ends the run after this much wall time, even if the guests have rounds left. */
  wallLimitMs?: number;
  /** Run the concurrent auditor thread (default true). */
  audit?: boolean;
  /** Decides when each batch is delivered (property tests plug `fc.scheduler` in here). */
  deliver?: DeliveryHook;
  /** Called with (host tick, ticks in all) whenever the host's clock moves (a display throttles it by time). */
  onProgress?: (done: number, total: number) => void;
  /** A host policy of your own, instead of the scenario's `host.policy`. */
  policy?: RunSetupOptions['policy'];
  /**
   * Fails the run when the coordinator hears no batch for this long (wall
   * time), with a report of where the manager and every worker were (default: off).
   */
  stallMs?: number;
  /** Stops the run once aborted (at once, and checked at every move of the host clock): the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Free-running figures beyond the summary: for benchmarks and the stress script. */
export interface FreeRunResult extends RunResult {
  /** Batches the coordinator handled. */
  batches: number;
  /** Guest messages the device sides handled (valid or not). */
  messages: number;
  /** Frames that changed owner in the table during the run (after boot): grants and take-backs counted by the device sides. */
  framesMoved: number;
  /** Wall time from the first batch to the last. */
  runSeconds: number;
}

/** Runs a scenario in free-running mode on worker threads. */
export async function simulateFree(scenario: Scenario, options: FreeRunOptions = {}): Promise<FreeRunResult> {
  const signal = options.signal;
  if (signal?.aborted === true) throw abortErrorOf(signal, 'simulateFree');
  for (const key of ['window', 'leadRounds'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) throw new RangeError(`simulateFree: ${key} must be a positive integer, got ${value}`);
  }
  const setup = await prepareRun(scenario, {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
  });
  const run = new FreeRun(setup, options);
  const onAbort = (): void => run.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run.execute();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await run.close();
  }
}
