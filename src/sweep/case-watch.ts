/**
 * The watch on a sweep case's calls into policy modules (the runs' own is
 * runtime/policy-watch/policy-watch.ts). A case runs on a thread of the
 * sweep's pool, whose JavaScript the inspector of no other thread can
 * stop; so the case only marks its calls, in a buffer the coordinator gives
 * it with the task, and the coordinator, which only waits for the case
 * anyway, looks at the marks a few times a second. When a call has run past
 * the limit (by the CPU time of the case's thread), it aborts the case:
 * piscina terminates that thread and starts a fresh one for the next case,
 * and the case's row is `failed` with the error a run would give.
 */
import { policyModulePaths } from '../host/manager/policies/index.js';
import type { PolicyError } from '../host/policy/policy-error.js';
import type { Scenario } from '../model/scenario.js';
import { PolicyCallMarks } from '../runtime/policy-watch/call-marks.js';
import { policyCallLimitMs } from '../runtime/policy-watch/policy-watch.js';
import { stuckCallError } from '../runtime/policy-watch/stuck-call-error.js';
import { lookEveryMs, StuckCallJudge } from '../runtime/policy-watch/stuck-calls.js';

export class CaseWatch {
  /** Aborted when a call has run past the limit. */
  readonly signal: AbortSignal;
  /** Why the case was stopped, once it was. */
  error: PolicyError | null = null;
  private readonly marks: PolicyCallMarks;
  private readonly timer: NodeJS.Timeout;

  /**
   * Starts watching a case of `scenario`, or returns null when there is
   * nothing to watch (no policy module, or a limit of 0). `limitMs` as
   * simulate's `policyCallLimitMs`.
   */
  static start(scenario: Scenario, limitMs: number | undefined): CaseWatch | null {
    const modulePaths = policyModulePaths(scenario);
    if (modulePaths.length === 0) return null;
    const limit = policyCallLimitMs(limitMs, 'sweep');
    return limit === 0 ? null : new CaseWatch(modulePaths, limit, scenario.tickMs);
  }

  private constructor(modulePaths: string[], limitMs: number, tickMs: number) {
    this.marks = new PolicyCallMarks(modulePaths);
    const judge = new StuckCallJudge(this.marks, limitMs);
    const controller = new AbortController();
    this.signal = controller.signal;
    this.timer = setInterval(() => {
      const stuck = judge.look();
      if (stuck === null) return;
      this.stop();
      this.error = stuckCallError(stuck, limitMs, tickMs);
      controller.abort(this.error);
    }, lookEveryMs(limitMs));
  }

  /** The buffer the case marks its calls in (its task's `policyCallMarks`). */
  get buffer(): SharedArrayBuffer {
    return this.marks.buffer;
  }

  /** Stops looking (the case has ended). */
  stop(): void {
    clearInterval(this.timer);
  }
}
