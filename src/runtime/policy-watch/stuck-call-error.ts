/**
 * What a run whose policy call was stopped says (the call itself was judged
 * by stuck-calls.ts): kept apart from the judge, so that the watchdog thread
 * loads only what it needs to watch.
 */
import { PolicyError } from '../../host/policy/policy-error.js';
import { formatDuration } from '../../model/units.js';
import type { StuckCall } from './stuck-calls.js';

/** The environment variable that sets the limit of one call (a duration; 0s: no watch). */
export const POLICY_CALL_LIMIT_ENV = 'BALLOONSIM_POLICY_CALL_LIMIT';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * The error of a run whose policy call was stopped: the module, the method,
 * when in simulated time, how long it ran, where it was stopped (a source
 * position, when the watcher could see it), and what to do.
 */
export function stuckCallError(stuck: StuckCall, limitMs: number, tickMs: number, stoppedAt?: string): PolicyError {
  const { mark } = stuck;
  const ran = stuck.cpuMs === null ? `${seconds(stuck.wallMs)} (wall time)` : `${seconds(stuck.cpuMs)} of CPU time (${seconds(stuck.wallMs)} of wall time)`;
  const loading = mark.method === 'load';
  const what = loading ? 'its top-level code did not finish loading' : `${mark.method}() did not return`;
  const when = loading ? 'imported before the run started' : `called at ${formatDuration(mark.timeMs)} of simulated time (tick ${Math.floor(mark.timeMs / tickMs)})`;
  return new PolicyError(
    `the policy module ${mark.modulePath}: ${what}: ${when}, ` +
      `it ran for ${ran}, past the limit of ${formatDuration(limitMs)} for one call, and was stopped${stoppedAt === undefined ? '' : ` at ${stoppedAt}`}. ` +
      `${loading ? 'Does it loop forever, or await something that never settles?' : `Does ${mark.method}() loop forever?`} If it is only slow, raise the limit: ${POLICY_CALL_LIMIT_ENV}=60s (0s turns the watch off), or the policyCallLimitMs option`,
  );
}
