import type { DistressReason, GuestToHost } from '../messages/protocol.js';
import { VIRTIO_STAT_COUNT, VirtioStat } from '../balloon/virtio-stats.js';

/** Pressure reports go out every second (Hyper-V's cadence). */
export const PRESSURE_INTERVAL_MS = 1000;
/** A guest is in distress when its `full` stall average over 10 s is above this (as a fraction). */
export const DISTRESS_FULL_AVG10 = 0.1;
/** At most one distress message per second. */
export const DISTRESS_INTERVAL_MS = 1000;

/** Figures the guest's messages report, read when one is due. */
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
 * What a guest tells the host about itself, besides the balloon protocol:
 * virtio stats every stats interval, a Hyper-V style pressure report every
 * second (after the profile's quiet start), and a distress message when it is
 * desperately short of memory (full stall above DISTRESS_FULL_AVG10, or an
 * allocation reached the OOM path), at most one a second.
 */
export class GuestSignals {
  private nextStatsMs = 0;
  private nextPressureMs: number;
  private nextDistressMs = 0;
  distressSent = 0;

  constructor(
    private readonly statsIntervalMs: number,
    pressureSkipMs: number,
  ) {
    this.nextPressureMs = pressureSkipMs;
  }

  /** Appends the messages due at `nowMs`; `oomNow` says an allocation reached the OOM path this tick. */
  step(nowMs: number, figures: () => GuestFigures, oomNow: boolean, fullAvg10: number, outbox: GuestToHost[]): void {
    let read: GuestFigures | null = null;
    const get = (): GuestFigures => (read ??= figures());
    if (this.statsIntervalMs > 0 && nowMs >= this.nextStatsMs) {
      this.nextStatsMs = nowMs + this.statsIntervalMs;
      outbox.push({ type: 'stats', values: statsValues(get()) });
    }
    if (nowMs >= this.nextPressureMs) {
      this.nextPressureMs = nowMs + PRESSURE_INTERVAL_MS;
      const f = get();
      outbox.push({
        type: 'pressure',
        availablePages: f.availablePages,
        committedPages: f.committedPages,
        floorPages: f.floorPages,
        someAvg10: f.some[0]!,
        someAvg60: f.some[1]!,
        someAvg300: f.some[2]!,
        fullAvg10: f.full[0]!,
        fullAvg60: f.full[1]!,
        fullAvg300: f.full[2]!,
        someTotalSeconds: f.someTotalSeconds,
        fullTotalSeconds: f.fullTotalSeconds,
      });
    }
    const reason: DistressReason | null = oomNow ? 'oom' : fullAvg10 > DISTRESS_FULL_AVG10 ? 'stall' : null;
    if (reason !== null && nowMs >= this.nextDistressMs) {
      this.nextDistressMs = nowMs + DISTRESS_INTERVAL_MS;
      this.distressSent++;
      outbox.push({ type: 'distress', reason, fullAvg10, availablePages: get().availablePages });
    }
  }
}

/** The 16 virtio stats, in tag order: memory in bytes, events as counts. */
export function statsValues(f: GuestFigures): Float64Array {
  const values = new Float64Array(VIRTIO_STAT_COUNT);
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
