/**
 * The running figures a guest publishes: those its signals report (virtio
 * stats, Hyper-V pressure), and those it keeps in its shared stats array for
 * samples read without a message.
 */
import type { GuestFigures } from './guest-signals.js';
import type { GuestParts } from './guest-parts.js';
import { PageState } from './page-state.js';
import { Stat } from './shared-memory.js';

/** An empty set of figures, for `guestFigures` to fill. */
export function newGuestFigures(): GuestFigures {
  const zero = new Float64Array(3);
  return {
    pageBytes: 0, swapInPages: 0, swapOutPages: 0, majorFaults: 0, minorFaults: 0, freePages: 0, totalPages: 0, availablePages: 0, cachePages: 0,
    oomKills: 0, allocStalls: 0, kswapdScanned: 0, directScanned: 0, kswapdReclaimed: 0, directReclaimed: 0, committedPages: 0, floorPages: 0,
    some: zero, full: zero, someTotalSeconds: 0, fullTotalSeconds: 0,
  };
}

/**
 * The figures of the guest now, for a stats or pressure report, written
 * into `into` (one object per guest, filled again for each report: a report
 * is due for every guest nearly every tick) and returned.
 */
export function guestFigures(parts: GuestParts, into: GuestFigures = newGuestFigures()): GuestFigures {
  const { memory, events, pressure } = parts;
  const memoryPages = parts.memoryPages;
  const balloon = memory.count(PageState.BALLOON);
  const floorPages = parts.floorPages();
  const f = into;
  f.pageBytes = parts.frameBytes;
  f.swapInPages = events.swapInPages;
  f.swapOutPages = events.swapOutPages;
  f.majorFaults = events.majorFaults;
  f.minorFaults = events.minorFaults;
  f.freePages = parts.freePages();
  // Without deflate-on-OOM the balloon's pages leave MemTotal; with it they count as used.
  f.totalPages = parts.deflateOnOom ? memoryPages : memoryPages - balloon;
  f.availablePages = parts.memAvailablePages();
  f.cachePages = memory.count(PageState.CACHE);
  f.oomKills = events.oomKills;
  f.allocStalls = events.allocStalls;
  f.kswapdScanned = events.kswapdScanned;
  f.directScanned = events.directScanned;
  f.kswapdReclaimed = events.kswapdReclaimed;
  f.directReclaimed = events.directReclaimed;
  // Hyper-V: committed memory + ballooned + (added - onlined) + floor.
  f.committedPages = memory.count(PageState.KERNEL) + parts.workload.anonymousPages + balloon + memory.onliningPages + floorPages;
  f.floorPages = floorPages;
  f.some = pressure.some;
  f.full = pressure.full;
  f.someTotalSeconds = pressure.someMsTotal / 1000;
  f.fullTotalSeconds = pressure.fullMsTotal / 1000;
  return f;
}

/** Running figures in the shared stats array, for samples read without a message. */
export function publishStats(parts: GuestParts): void {
  const { events, pressure, progress } = parts;
  const stats = parts.shared.stats;
  stats[Stat.SWAP_PAGES] = parts.swap.usedPages;
  stats[Stat.SWAP_IN_TOTAL] = events.swapInPages;
  stats[Stat.SWAP_OUT_TOTAL] = events.swapOutPages;
  stats[Stat.MAJOR_FAULTS_TOTAL] = events.majorFaults;
  stats[Stat.MINOR_FAULTS_TOTAL] = events.minorFaults;
  stats[Stat.STALL_SECONDS_TOTAL] = events.stallMsTotal / 1000;
  stats[Stat.PSI_SOME_AVG10] = pressure.some[0]!;
  stats[Stat.PSI_FULL_AVG10] = pressure.full[0]!;
  stats[Stat.OOM_KILLS_TOTAL] = events.oomKills;
  stats[Stat.OOM_EVENTS_TOTAL] = events.oomEvents;
  stats[Stat.DEFLATE_ON_OOM_PAGES_TOTAL] = events.deflateOnOomPages;
  stats[Stat.REPORTED_FREE_PAGES_TOTAL] = events.reportedFreePages;
  stats[Stat.AVAILABLE_PAGES] = parts.memAvailablePages();
  stats[Stat.DISTRESS_TOTAL] = parts.signals.distressSent;
  stats[Stat.HOST_SWAP_FAULTS_TOTAL] = events.hostSwapFaults;
  stats[Stat.DOUBLE_PAGING_TOTAL] = events.doublePagingPages;
  stats[Stat.WORK_WANTED_TOTAL] = progress.wanted;
  stats[Stat.WORK_DONE_TOTAL] = progress.done;
  stats[Stat.PROGRESS_AVG10] = progress.avg10;
  stats[Stat.REFAULTS_TOTAL] = events.refaults;
}
