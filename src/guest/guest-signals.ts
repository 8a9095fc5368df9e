import { GuestSignalsWriter, SignalSlot } from '../messages/guest-signals.js';
import type { DistressReason, GuestToHost } from '../messages/protocol.js';
import { VIRTIO_STAT_COUNT, VirtioStat } from '../messages/virtio-stats.js';

/** Pressure reports go out every second (Hyper-V's cadence). */
export const PRESSURE_INTERVAL_MS = 1000;
/** A guest is in distress when its `full` stall average over 10 s is above this (as a fraction). */
export const DISTRESS_FULL_AVG10 = 0.1;
/** At most one distress message per second. */
export const DISTRESS_INTERVAL_MS = 1000;

/** Figures the guest publishes, read when a report is due. */
export interface GuestFigures {
  pageBytes: number;
  swapInPages: number;
  swapOutPages: number;
  majorFaults: number;
  minorFaults: number;
  freePages: number;
  /** MemTotal in pages (with deflate-on-OOM, ballooned pages still count). */
  totalPages: number;
  availablePages: number;
  cachePages: number;
  oomKills: number;
  allocStalls: number;
  kswapdScanned: number;
  directScanned: number;
  kswapdReclaimed: number;
  directReclaimed: number;
  committedPages: number;
  floorPages: number;
  some: Float64Array;
  full: Float64Array;
  /** Stall time since boot. */
  someTotalSeconds: number;
  fullTotalSeconds: number;
}

/**
 * What a guest tells the host about itself, besides the balloon protocol.
 * Published in shared memory (messages/guest-signals.ts): its status every
 * tick, virtio stats every stats interval, a Hyper-V style pressure report
 * every second (after the profile's quiet start). Sent as a message: a
 * distress when it is desperately short of memory (full stall above
 * DISTRESS_FULL_AVG10, or an allocation reached the OOM path), at most one
 * a second, because it asks the host to act.
 */
export class GuestSignals {
  private nextStatsMs = 0;
  private nextPressureMs: number;
  private nextDistressMs = 0;
  private statsReports = 0;
  private pressureReports = 0;
  private readonly stats = new Float64Array(VIRTIO_STAT_COUNT);
  distressSent = 0;

  constructor(
    private readonly statsIntervalMs: number,
    pressureSkipMs: number,
    private readonly writer: GuestSignalsWriter,
  ) {
    this.nextPressureMs = pressureSkipMs;
  }

  /**
   * Publishes the status (balloon, used and free pages) and what else is due
   * at `nowMs`, and appends a distress message if one is; `oomNow` says an
   * allocation reached the OOM path this tick. `figures` is read only when a
   * report is due.
   */
  step(nowMs: number, balloonPages: number, usedPages: number, freePages: number, figures: () => GuestFigures, oomNow: boolean, fullAvg10: number, outbox: GuestToHost[]): void {
    const values = this.writer.values;
    // Read at most once, and only when a report is due (no closure: this runs for every guest every tick).
    let read: GuestFigures | null = null;
    this.writer.begin();
    values[SignalSlot.STATUS_AT_MS] = nowMs;
    values[SignalSlot.BALLOON_PAGES] = balloonPages;
    values[SignalSlot.USED_PAGES] = usedPages;
    values[SignalSlot.FREE_PAGES] = freePages;
    if (this.statsIntervalMs > 0 && nowMs >= this.nextStatsMs) {
      const f = (read ??= figures());
      this.nextStatsMs = nowMs + this.statsIntervalMs;
      statsValues(f, this.stats);
      values.set(this.stats, SignalSlot.STATS);
      values[SignalSlot.STATS_AT_MS] = nowMs;
      values[SignalSlot.STATS_REPORTS] = ++this.statsReports;
    }
    if (nowMs >= this.nextPressureMs) {
      this.nextPressureMs = nowMs + PRESSURE_INTERVAL_MS;
      const f = (read ??= figures());
      values[SignalSlot.PRESSURE_AT_MS] = nowMs;
      values[SignalSlot.PRESSURE_REPORTS] = ++this.pressureReports;
      values[SignalSlot.AVAILABLE_PAGES] = f.availablePages;
      values[SignalSlot.COMMITTED_PAGES] = f.committedPages;
      values[SignalSlot.FLOOR_PAGES] = f.floorPages;
      values[SignalSlot.SOME_AVG10] = f.some[0]!;
      values[SignalSlot.SOME_AVG60] = f.some[1]!;
      values[SignalSlot.SOME_AVG300] = f.some[2]!;
      values[SignalSlot.FULL_AVG10] = f.full[0]!;
      values[SignalSlot.FULL_AVG60] = f.full[1]!;
      values[SignalSlot.FULL_AVG300] = f.full[2]!;
      values[SignalSlot.SOME_TOTAL_SECONDS] = f.someTotalSeconds;
      values[SignalSlot.FULL_TOTAL_SECONDS] = f.fullTotalSeconds;
    }
    this.writer.end();
    const reason: DistressReason | null = oomNow ? 'oom' : fullAvg10 > DISTRESS_FULL_AVG10 ? 'stall' : null;
    if (reason !== null && nowMs >= this.nextDistressMs) {
      this.nextDistressMs = nowMs + DISTRESS_INTERVAL_MS;
      this.distressSent++;
      outbox.push({ type: 'distress', reason, fullAvg10, availablePages: (read ??= figures()).availablePages });
    }
  }
}

/** The 16 virtio stats, in tag order: memory in bytes, events as counts. */
export function statsValues(f: GuestFigures, values: Float64Array = new Float64Array(VIRTIO_STAT_COUNT)): Float64Array {
  const bytes = f.pageBytes;
  values[VirtioStat.SWAP_IN] = f.swapInPages * bytes;
  values[VirtioStat.SWAP_OUT] = f.swapOutPages * bytes;
  values[VirtioStat.MAJFLT] = f.majorFaults;
  values[VirtioStat.MINFLT] = f.minorFaults;
  values[VirtioStat.MEMFREE] = f.freePages * bytes;
  values[VirtioStat.MEMTOT] = f.totalPages * bytes;
  values[VirtioStat.AVAIL] = f.availablePages * bytes;
  values[VirtioStat.CACHES] = f.cachePages * bytes;
  // The model has no hugetlbfs pool: nothing allocated, nothing failed.
  values[VirtioStat.HTLB_PGALLOC] = 0;
  values[VirtioStat.HTLB_PGFAIL] = 0;
  values[VirtioStat.OOM_KILL] = f.oomKills;
  values[VirtioStat.ALLOC_STALL] = f.allocStalls;
  values[VirtioStat.ASYNC_SCAN] = f.kswapdScanned;
  values[VirtioStat.DIRECT_SCAN] = f.directScanned;
  values[VirtioStat.ASYNC_RECLAIM] = f.kswapdReclaimed;
  values[VirtioStat.DIRECT_RECLAIM] = f.directReclaimed;
  return values;
}
