/**
 * Free-running mode (DESIGN.md): no tick barrier. Guest workers step their
 * guests and device sides as fast as they can (../free-guest-loop.ts) and send
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
import { watchPolicyCalls, type WatchedRun } from '../policy-watch/policy-watch.js';
import { prepareRun } from '../run-setup.js';
import { FreeRun } from './free-run.js';
import type { FreeRunOptions, FreeRunResult } from './free-run-types.js';

/** Runs a scenario in free-running mode on worker threads. */
export async function simulateFree(scenario: Scenario, options: FreeRunOptions = {}): Promise<FreeRunResult> {
  const signal = options.signal;
  if (signal?.aborted === true) throw abortErrorOf(signal, 'simulateFree');
  for (const key of ['window', 'leadRounds'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) throw new RangeError(`simulateFree: ${key} must be a positive integer, got ${value}`);
  }
  const watch = options.policyCallLimitMs !== undefined ? { limitMs: options.policyCallLimitMs } : {};
  return watchPolicyCalls(scenario, watch, 'simulateFree', (watched) => runWatched(scenario, options, watched));
}

/** The free run itself, its calls into policy modules watched (../policy-watch/policy-watch.ts). */
async function runWatched(scenario: Scenario, options: FreeRunOptions, watched: WatchedRun): Promise<FreeRunResult> {
  const signal = options.signal;
  const setup = await prepareRun(scenario, {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    watched,
  });
  const run = new FreeRun(setup, options);
  const onAbort = (): void => run.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const close = async (): Promise<void> => {
    signal?.removeEventListener('abort', onAbort);
    await run.close();
  };
  watched.onStop(close);
  try {
    return await run.execute();
  } finally {
    await close();
  }
}
