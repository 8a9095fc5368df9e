import type { Hypervisor } from '../host/hypervisor.js';
import type { GuestAccount } from '../host/guest-account.js';

/** A guest that did not reach its target in the liveness phase. */
export interface LivenessMiss {
  guest: string;
  targetBytes: number;
  /** Guest memory minus balloon, as its last status said. */
  actualBytes: number;
}

/** The liveness phase's verdict. */
export interface LivenessResult {
  /** False when the run ended before the deadline (nothing was decided). */
  checked: boolean;
  /** When faults stopped, and the deadline by which every live guest had to reach its target. */
  fromSeconds: number;
  deadlineSeconds: number;
  /** Live guests that reached their target by the deadline. */
  reached: number;
  missed: LivenessMiss[];
}

/**
 * Watches the liveness phase: from the first tick without faults to the
 * deadline, every live guest that is not quarantined must at some tick be
 * where its target says (its balloon holds memory - target pages, by its own
 * status). Ticks are the guest's own: in free-running mode each guest has its
 * own clock. Targets the guest cannot meet (a workload that holds the pages
 * the balloon would need) count as missed: fault scenarios should ask for
 * targets the guests can reach.
 */
export class LivenessWatch {
  private readonly reachedAtTick: Int32Array;
  /** The last tick each guest was seen at (its own clock in free-running mode). */
  private readonly lastTick: Int32Array;

  constructor(
    private readonly host: Hypervisor,
    private readonly fromTick: number,
    private readonly deadlineTick: number,
    private readonly tickMs: number,
    private readonly frameBytes: number,
  ) {
    this.reachedAtTick = new Int32Array(host.accounts.length).fill(-1);
    this.lastTick = new Int32Array(host.accounts.length).fill(-1);
  }

  /** Looks at every guest after the host has handled tick `tick`'s messages (lockstep). */
  observe(tick: number): void {
    for (let index = 0; index < this.host.accounts.length; index++) this.observeGuest(index, tick);
  }

  /** Looks at one guest whose messages of its tick `tick` the host has just handled (free-running: each guest has its own clock). */
  observeGuest(index: number, tick: number): void {
    if (tick > this.lastTick[index]!) this.lastTick[index] = tick;
    if (tick < this.fromTick || tick > this.deadlineTick || this.reachedAtTick[index]! >= 0) return;
    const account = this.host.accounts[index]!;
    if (account.alive && atTarget(account)) this.reachedAtTick[index] = tick;
  }

  result(): LivenessResult {
    const live = this.host.accounts.filter((account) => account.alive && !account.quarantined);
    const checked = live.every((account) => this.lastTick[account.index]! >= this.deadlineTick);
    const missed: LivenessMiss[] = [];
    let reached = 0;
    for (const account of live) {
      if (this.reachedAtTick[account.index]! >= 0) reached++;
      else if (checked) {
        const balloon = account.lastStatus?.balloonPages ?? 0;
        missed.push({ guest: account.name, targetBytes: account.targetPages * this.frameBytes, actualBytes: (account.memoryPages - balloon) * this.frameBytes });
      }
    }
    return { checked, fromSeconds: (this.fromTick * this.tickMs) / 1000, deadlineSeconds: (this.deadlineTick * this.tickMs) / 1000, reached, missed };
  }
}

function atTarget(account: GuestAccount): boolean {
  const status = account.lastStatus;
  return status !== null && status.balloonPages === Math.max(0, account.memoryPages - account.targetPages);
}
