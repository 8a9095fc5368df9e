/**
 * When a call into a user's policy code counts as stuck. Used by the watchdog thread of a run on the main thread
 * (watch-thread.ts) and by a sweep's coordinator for the cases it runs on
 * other threads (src/sweep/case-watch.ts).
 *
 * A call is judged by the CPU time of the thread that makes it, where Linux
 * gives it (/proc/<pid>/task/<tid>/stat): a call stuck in a loop burns CPU,
 * while one that is merely starved of it on a loaded machine has burned
 * little, and must not be stopped for the machine's sake. So a call is stuck
 * once its thread has used `limitMs` of CPU inside it, or, whatever its CPU,
 * after BLOCKED_FACTOR times `limitMs` of wall time (a call blocked for ever
 * burns none). Where the CPU time cannot be read, `limitMs` of wall time is
 * the limit.
 *
 * The watcher only looks a few times a second: it starts counting when it
 * first sees a call, so a call is stopped between `limitMs` and `limitMs`
 * plus one look after it began, and the time it reports is what it saw.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CallMark, PolicyCallMarks } from './call-marks.js';

/** Without returning for this many times the limit of wall time, a call is stuck whatever CPU it used. */
const BLOCKED_FACTOR = 4;
/** Most time between two looks at the marks. */
const LOOK_EVERY_MS_MAX = 250;

/** How often a watcher with `limitMs` looks at the marks: a few times a second, more often for a short limit. */
export function lookEveryMs(limitMs: number): number {
  return Math.max(10, Math.min(LOOK_EVERY_MS_MAX, Math.floor(limitMs / 5)));
}

/**
 * CPU time (user + system, ms) the thread `threadId` of this process has
 * used, or null where the system does not say (not Linux, or no id). /proc
 * counts in USER_HZ, 100 a second on Linux.
 */
export function threadCpuMs(threadId: number): number | null {
  if (threadId <= 0) return null;
  try {
    const stat = readFileSync(`/proc/${process.pid}/task/${threadId}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime and stime, fields 14 and 15
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

/** Whether a call that has run `wallMs` of wall time, in which its thread used `cpuMs` of CPU (null: unknown), is stuck. */
export function isStuck(wallMs: number, cpuMs: number | null, limitMs: number): boolean {
  if (wallMs >= BLOCKED_FACTOR * limitMs) return true;
  return cpuMs === null ? wallMs >= limitMs : cpuMs >= limitMs;
}

/** A call past its limit: the call, and how long it had run when the watcher last looked. */
export interface StuckCall {
  mark: CallMark;
  /** CPU time of its thread since the watcher first saw the call, or null where unknown. */
  cpuMs: number | null;
  wallMs: number;
}

/** Looks at a run's marks now and then, and says when the call in progress has run past the limit. */
export class StuckCallJudge {
  private seen = 0;
  private seenAtMs = 0;
  private cpuAtSightMs: number | null = null;

  constructor(
    private readonly marks: PolicyCallMarks,
    private readonly limitMs: number,
    private readonly cpuMsOf: (threadId: number) => number | null = threadCpuMs,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (!(Number.isFinite(limitMs) && limitMs > 0)) throw new RangeError(`StuckCallJudge: limitMs must be a positive number of milliseconds, got ${limitMs}`);
  }

  /** One look: the call in progress if it has run past the limit, else null. */
  look(): StuckCall | null {
    const mark = this.marks.current();
    if (mark === null) {
      this.seen = 0;
      return null;
    }
    if (mark.call !== this.seen) {
      this.seen = mark.call;
      this.seenAtMs = this.nowMs();
      this.cpuAtSightMs = this.cpuMsOf(this.marks.threadId);
      return null;
    }
    const wallMs = this.nowMs() - this.seenAtMs;
    const cpuNowMs = this.cpuAtSightMs === null ? null : this.cpuMsOf(this.marks.threadId);
    const cpuMs = cpuNowMs === null || this.cpuAtSightMs === null ? null : cpuNowMs - this.cpuAtSightMs;
    return isStuck(wallMs, cpuMs, this.limitMs) ? { mark, cpuMs, wallMs } : null;
  }
}
