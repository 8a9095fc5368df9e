/**
 * The running figures a guest publishes: those its signals report (virtio
 * stats, Hyper-V pressure), and those it keeps in its shared stats array for
 * samples read without a message.
 */
import type { GuestFigures } from './guest-signals.js';
import type { GuestParts } from './guest-parts.js';
import { PageState } from './page-state.js';
import { Stat } from './shared-memory.js';

/** The figures of the guest now, for a stats or pressure report. */
export function guestFigures(parts: GuestParts): GuestFigures {
  const { memory, events, pressure } = parts;
  const memoryPages = parts.memoryPages;
  const balloon = memory.count(PageState.BALLOON);
  const floorPages = parts.floorPages();
  return {
    pageBytes: parts.frameBytes,
    swapInPages: events.swapInPages,
    swapOutPages: events.swapOutPages,
    majorFaults: events.majorFaults,
    minorFaults: events.minorFaults,
    freePages: parts.freePages(),
    // Without deflate-on-OOM the balloon's pages leave MemTotal; with it they count as used.
    totalPages: parts.deflateOnOom ? memoryPages : memoryPages - balloon,
    availablePages: parts.memAvailablePages(),
    cachePages: memory.count(PageState.CACHE),
    oomKills: events.oomKills,
    allocStalls: events.allocStalls,
    kswapdScanned: events.kswapdScanned,
    directScanned: events.directScanned,
    kswapdReclaimed: events.kswapdReclaimed,
    directReclaimed: events.directReclaimed,
    // Hyper-V: committed memory + ballooned + (added - onlined) + floor.
    committedPages: memory.count(PageState.KERNEL) + parts.workload.anonymousPages + balloon + memory.onliningPages + floorPages,
    floorPages,
    some: pressure.some,
    full: pressure.full,
    someTotalSeconds: pressure.someMsTotal / 1000,
    fullTotalSeconds: pressure.fullMsTotal / 1000,
  };
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
