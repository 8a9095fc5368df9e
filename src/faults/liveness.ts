import type { GuestRecord } from '../host/manager/guest-record.js';
import { statusOf } from '../host/manager/guest-signals.js';
import type { MemoryManager } from '../host/manager/memory-manager.js';

/** A guest that did not reach its target in the liveness phase. */
export interface LivenessMiss {
  guest: string;
  /** Its target at the last tick it was seen by the deadline. */
  targetBytes: number;
  /** Guest memory minus balloon, as its status said then. */
  actualBytes: number;
  /**
   * How many times its target changed in the phase, up to the deadline: a
   * policy that sets targets from what guests use every period can leave a
   * guest chasing a target that never holds still.
   */
  targetChanges: number;
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
  /** Each guest's target and memory less balloon (bytes) when last seen in the phase, for a miss's figures: by the end of the run it may have got there. */
  private readonly seenTargetBytes: Float64Array;
  private readonly seenActualBytes: Float64Array;
  /** Each guest's target changes in the phase (see LivenessMiss.targetChanges), and its target at the last look (-1 before the first). */
  private readonly targetChanges: Int32Array;
  private readonly lastTargetPages: Float64Array;

  constructor(
    private readonly host: MemoryManager,
    private readonly fromTick: number,
    private readonly deadlineTick: number,
    private readonly tickMs: number,
    private readonly frameBytes: number,
  ) {
    this.reachedAtTick = new Int32Array(host.records.length).fill(-1);
    this.lastTick = new Int32Array(host.records.length).fill(-1);
    this.seenTargetBytes = new Float64Array(host.records.length).fill(-1);
    this.seenActualBytes = new Float64Array(host.records.length);
    this.targetChanges = new Int32Array(host.records.length);
    this.lastTargetPages = new Float64Array(host.records.length).fill(-1);
  }

  /** Looks at every guest after the host has handled tick `tick`'s messages (lockstep). */
  observe(tick: number): void {
    for (let index = 0; index < this.host.records.length; index++) this.observeGuest(index, tick);
  }

  /** Looks at one guest whose messages of its tick `tick` the host has just handled (free-running: each guest has its own clock). */
  observeGuest(index: number, tick: number): void {
    if (tick > this.lastTick[index]!) this.lastTick[index] = tick;
    if (tick < this.fromTick || tick > this.deadlineTick || this.reachedAtTick[index]! >= 0) return;
    const account = this.host.records[index]!;
    const last = this.lastTargetPages[index]!;
    if (last >= 0 && last !== account.targetPages) this.targetChanges[index]!++;
    this.lastTargetPages[index] = account.targetPages;
    // The guest's status is read once a look (a consistent copy of its published signals).
    const balloon = balloonOf(account);
    if (account.alive && atTarget(account, balloon)) this.reachedAtTick[index] = tick;
    this.seenTargetBytes[index] = account.targetPages * this.frameBytes;
    this.seenActualBytes[index] = (account.memoryPages - (balloon ?? 0)) * this.frameBytes;
  }

  result(): LivenessResult {
    const live = this.host.records.filter((account) => account.alive && !account.quarantined);
    const checked = live.every((account) => this.lastTick[account.index]! >= this.deadlineTick);
    const missed: LivenessMiss[] = [];
    let reached = 0;
    for (const account of live) {
      if (this.reachedAtTick[account.index]! >= 0) reached++;
      else if (checked) {
        const seen = this.seenTargetBytes[account.index]! >= 0;
        const targetBytes = seen ? this.seenTargetBytes[account.index]! : account.targetPages * this.frameBytes;
        const actualBytes = seen ? this.seenActualBytes[account.index]! : (account.memoryPages - (balloonOf(account) ?? 0)) * this.frameBytes;
        missed.push({ guest: account.name, targetBytes, actualBytes, targetChanges: this.targetChanges[account.index]! });
      }
    }
    return { checked, fromSeconds: (this.fromTick * this.tickMs) / 1000, deadlineSeconds: (this.deadlineTick * this.tickMs) / 1000, reached, missed };
  }
}

/** The guest's balloon by its own status, or null if it has published none. */
function balloonOf(account: GuestRecord): number | null {
  return statusOf(account)?.balloonPages ?? null;
}

/**
 * Whether the guest is where its target says. A virtio-mem guest grows by
 * whole blocks and its balloon answers for its boot memory only, so above
 * its boot memory a target between two blocks is met by the block above it
 * with an empty balloon (a real device's requested size is block-aligned).
 */
function atTarget(account: GuestRecord, balloon: number | null): boolean {
  if (balloon === null) return false;
  const over = account.memoryPages - account.targetPages;
  if (balloon === Math.max(0, over)) return true;
  return account.growthKind === 'virtio-mem' && account.targetPages > account.bootPages && balloon === 0 && over > 0 && over < account.growthBlockPages;
}
