/**
 * How much of the work its workload wanted a guest got done: totals since
 * boot (page touches and first touches), and a progress average over 10 s.
 */

/** The window of the progress average (as PSI's avg10). */
const PROGRESS_WINDOW_MS = 10_000;

/** Work since boot, and the progress average over 10 s (as PSI averages: exponential decay). */
export class WorkProgress {
  wanted = 0;
  done = 0;
  avg10 = 1;
  private readonly keep: number;

  constructor(tickMs: number) {
    this.keep = Math.exp(-tickMs / PROGRESS_WINDOW_MS);
  }

  /** Counts one tick's work: `wanted` asked, `done` done. */
  count(wanted: number, done: number): void {
    this.wanted += wanted;
    this.done += done;
    const progress = wanted > 0 ? done / wanted : 1;
    const keep = this.keep;
    this.avg10 = Math.min(1, this.avg10 * keep + progress * (1 - keep));
  }
}
