/**
 * What a free-running run takes (its options) and gives back (the summary
 * and its free-running figures): simulate-free.ts starts the run, free-run.ts
 * runs it, and both read these.
 */
import type { RunSetupOptions } from '../run-setup.js';
import type { RunResult } from '../simulate.js';
import type { DeliveryHook } from './free-delivery.js';

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
  /** CPU time, in ms, one call into a policy module may use before the run is stopped with a PolicyError (0: not watched); as simulate's. */
  policyCallLimitMs?: number;
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
