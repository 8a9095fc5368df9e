/**
 * VMware's balloon rate control (vmw_balloon's older rate limits): the
 * driver's work is counted in cycles of `cycleMs`; each cycle caps what it
 * may inflate, deflate and have refused. The balloon driver owns one when its
 * profile has `vmware` rates (balloon-driver.ts).
 */
import type { VmwareRates } from './driver-profiles.js';

/**
 * One driver's current cycle and its rate: non-sleeping allocations (no
 * reclaim) up to `nonSleepingPagesMax` per cycle until a failure; then
 * `slowCycles` cycles of sleeping allocations at a rate that a failure halves
 * and a cycle without one raises. Counts are balloon entries (a 2 MiB page is one).
 */
export class VmwareCycle {
  /** When the current cycle ends (ms of simulated time). */
  endMs = 0;
  /** Balloon entries inflated in this cycle. */
  entries = 0;
  /** Pages asked back in this cycle. */
  deflated = 0;
  private refused = 0;
  private failed = false;
  private slowCycles = 0;
  private rateAllocPages: number;

  constructor(private readonly rates: VmwareRates) {
    this.rateAllocPages = rates.rateMaxPages;
  }

  /** Whether allocations sleep (may reclaim): only in the slow cycles after a failure. */
  get sleeping(): boolean {
    return this.slowCycles > 0;
  }

  /** Balloon entries this cycle may inflate in all. */
  get inflateCap(): number {
    return this.slowCycles > 0 ? this.rateAllocPages : this.rates.nonSleepingPagesMax;
  }

  /** Pages this cycle may still ask back. */
  get deflateRoom(): number {
    return this.rates.deflatePagesMax - this.deflated;
  }

  /** A new cycle, if the current one is over: its counters reset; a cycle of slow allocations without a failure raises the rate. */
  start(nowMs: number): void {
    const rates = this.rates;
    if (nowMs < this.endMs) return;
    if (!this.failed && this.slowCycles > 0) {
      if (this.entries > 0) this.rateAllocPages = Math.min(rates.rateMaxPages, this.rateAllocPages + rates.rateStepPages);
      this.slowCycles--;
    }
    this.entries = 0;
    this.deflated = 0;
    this.refused = 0;
    this.failed = false;
    this.endMs = (Math.floor(nowMs / rates.cycleMs) + 1) * rates.cycleMs;
  }

  /** The host refused `pages` pages; returns whether the driver gives up on this cycle (too many refused). */
  refuse(pages: number): boolean {
    this.refused += pages;
    return this.refused >= this.rates.refusedPagesMax;
  }

  /** An inflate could not get a page: slow cycles begin, or the rate halves if they had. The driver waits for the cycle's end. */
  fail(): void {
    const rates = this.rates;
    if (this.slowCycles === 0) this.slowCycles = rates.slowCycles;
    else this.rateAllocPages = Math.max(rates.rateMinPages, Math.floor(this.rateAllocPages / 2));
    this.failed = true;
  }
}
