import { PageState } from '../guest/page-state.js';
import { Stat, type GuestSharedViews } from '../guest/shared-memory.js';
import type { FreeMemoryState } from '../host/manager/free-memory-state.js';
import type { MemoryManager } from '../host/manager/memory-manager.js';

/**
 * One guest's state at a sample time. Sizes are in pages (frames of the
 * scenario's `frameBytes`); `...Total` figures count since boot. The running
 * figures (swap, faults, stall, pressure, OOM kills) come from the guest's
 * shared stats array: they read 0 for anything the guest model does not
 * publish.
 */
export interface GuestSample {
  name: string;
  alive: boolean;
  /** Size the host wants the guest at. */
  targetPages: number;
  /** Guest memory as the balloon protocol reports it: memory (not unpopulated) minus balloon. */
  actualPages: number;
  /** Frames the host's table gives the guest. */
  residentPages: number;
  balloonPages: number;
  anonPages: number;
  cachePages: number;
  kernelPages: number;
  /** Free pages, backed or not. */
  freePages: number;
  /** Pages of the guest's swap device in use. */
  swapPages: number;
  swapInTotal: number;
  swapOutTotal: number;
  majorFaultsTotal: number;
  minorFaultsTotal: number;
  stallSecondsTotal: number;
  /** Pressure-stall averages over 10 s, as fractions from 0 to 1. */
  psiSomeAvg10: number;
  psiFullAvg10: number;
  oomKillsTotal: number;
  /** Allocations that reached the OOM path (met by deflate-on-OOM, a kill, or nothing). */
  oomEventsTotal: number;
  // ---- host memory management
  /** The guest's memory as the host counts it (less hotplug room not plugged yet), and its pages in host swap. */
  memoryPages: number;
  hostSwappedPages: number;
  hostSwapFaultsTotal: number;
  // ---- the workload's progress and the page cache
  /** Work done / wanted by the workload, averaged over 10 s (0..1; 1 when it wants nothing). */
  progressAvg10: number;
  /** Work the workload wanted and did since boot, in whole page touches and first touches. */
  workWantedTotal: number;
  workDoneTotal: number;
  /** Page-cache pages read again after being dropped. */
  refaultsTotal: number;
}

/** The state of the host and every guest at one simulated time. */
export interface Sample {
  timeMs: number;
  /** Frames in the host's free pool. */
  freeFrames: number;
  /** The host's free-memory state in the tick just run. */
  hostState: FreeMemoryState;
  /** Pages in host swap (host paging). */
  hostSwapUsedPages: number;
  guests: GuestSample[];
}

/**
 * Reads a sample from the memory manager's records (and the figures the
 * device sides published) and the guests' shared counters and stats (no
 * message needed). Call it at a quiescent point (between ticks).
 */
export function sampleGuests(timeMs: number, manager: MemoryManager, shared: ReadonlyArray<GuestSharedViews>): Sample {
  return {
    timeMs,
    freeFrames: manager.freeFrames,
    hostState: manager.freeState,
    hostSwapUsedPages: manager.hostSwap.usedPages,
    guests: manager.records.map((account) => {
      const views = shared[account.index]!;
      const counters = views.counters;
      const stats = views.stats;
      const count = (state: number): number => Atomics.load(counters, state);
      const balloonPages = count(PageState.BALLOON);
      return {
        name: account.name,
        alive: account.alive,
        targetPages: account.targetPages,
        actualPages: account.alive ? views.pages - count(PageState.UNPOPULATED) - balloonPages : 0,
        residentPages: account.ownedFrames,
        balloonPages,
        anonPages: count(PageState.ANON),
        cachePages: count(PageState.CACHE),
        kernelPages: count(PageState.KERNEL),
        freePages: count(PageState.FREE) + count(PageState.FREE_UNBACKED),
        swapPages: stats[Stat.SWAP_PAGES]!,
        swapInTotal: stats[Stat.SWAP_IN_TOTAL]!,
        swapOutTotal: stats[Stat.SWAP_OUT_TOTAL]!,
        majorFaultsTotal: stats[Stat.MAJOR_FAULTS_TOTAL]!,
        minorFaultsTotal: stats[Stat.MINOR_FAULTS_TOTAL]!,
        stallSecondsTotal: stats[Stat.STALL_SECONDS_TOTAL]!,
        psiSomeAvg10: stats[Stat.PSI_SOME_AVG10]!,
        psiFullAvg10: stats[Stat.PSI_FULL_AVG10]!,
        oomKillsTotal: stats[Stat.OOM_KILLS_TOTAL]!,
        oomEventsTotal: stats[Stat.OOM_EVENTS_TOTAL]!,
        memoryPages: account.memoryPages,
        hostSwappedPages: account.hostSwapPages,
        hostSwapFaultsTotal: stats[Stat.HOST_SWAP_FAULTS_TOTAL]!,
        progressAvg10: stats[Stat.PROGRESS_AVG10]!,
        workWantedTotal: Math.floor(stats[Stat.WORK_WANTED_TOTAL]!),
        workDoneTotal: Math.floor(stats[Stat.WORK_DONE_TOTAL]!),
        refaultsTotal: stats[Stat.REFAULTS_TOTAL]!,
      };
    }),
  };
}
