/** PSI's averaging windows: 10 s, 60 s and 300 s. */
const WINDOWS_MS = [10_000, 60_000, 300_000] as const;

/** Pressure-stall averages of one kind (`some` or `full`), as fractions from 0 to 1. */
export interface PressureAverages {
  avg10: number;
  avg60: number;
  avg300: number;
}

/**
 * Pressure-stall information like Linux PSI, for memory. Each tick, every
 * task (workload component) says how long it was stalled on memory and
 * whether it had anything to do. `some` is the share of the tick in which at
 * least one task was stalled, `full` the share in which every active task
 * was (tasks stall independently: 1 - prod(1 - s) and prod(s)). Both are
 * averaged with exponential decay over 10 s, 60 s and 300 s, as the kernel
 * does.
 */
export class PressureStall {
  readonly some = new Float64Array(3);
  readonly full = new Float64Array(3);
  someMsTotal = 0;
  fullMsTotal = 0;
  /** The last tick's shares. */
  someNow = 0;
  fullNow = 0;
  private readonly keep: Float64Array;
  private noneStalled = 1;
  private allStalled = 1;
  private activeTasks = 0;

  constructor(private readonly tickMs: number) {
    if (!(tickMs > 0)) throw new RangeError(`PressureStall: tickMs must be positive, got ${tickMs}`);
    this.keep = Float64Array.from(WINDOWS_MS, (windowMs) => Math.exp(-tickMs / windowMs));
  }

  beginTick(): void {
    this.noneStalled = 1;
    this.allStalled = 1;
    this.activeTasks = 0;
  }

  /** One task's tick: `stallMs` of stall, and whether it was active. */
  task(stallMs: number, active: boolean): void {
    const share = Math.min(1, Math.max(0, stallMs / this.tickMs));
    this.noneStalled *= 1 - share;
    if (active || share > 0) {
      this.activeTasks++;
      this.allStalled *= share;
    }
  }

  endTick(): void {
    const some = 1 - this.noneStalled;
    const full = this.activeTasks > 0 ? this.allStalled : 0;
    this.someNow = some;
    this.fullNow = full;
    for (let window = 0; window < WINDOWS_MS.length; window++) {
      const keep = this.keep[window]!;
      // Clamped: rounding must not take a share past 1.
      this.some[window] = Math.min(1, this.some[window]! * keep + some * (1 - keep));
      this.full[window] = Math.min(1, this.full[window]! * keep + full * (1 - keep));
    }
    this.someMsTotal += some * this.tickMs;
    this.fullMsTotal += full * this.tickMs;
  }

  averages(kind: 'some' | 'full'): PressureAverages {
    const values = kind === 'some' ? this.some : this.full;
    return { avg10: values[0]!, avg60: values[1]!, avg300: values[2]! };
  }
}
