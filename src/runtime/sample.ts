import { PageState } from '../guest/page-state.js';
import { Stat, type GuestSharedViews } from '../guest/shared-memory.js';
import type { FreeMemoryState } from '../host/free-memory-state.js';
import type { Hypervisor } from '../host/hypervisor.js';

/** One guest's state at a sample time, in pages. */
export interface GuestSample {
  name: string;
  targetPages: number;
  residentPages: number;
  balloonPages: number;
  anonPages: number;
  cachePages: number;
  kernelPages: number;
  freePages: number;
  // ---- the guest memory model, from the guest's shared running figures (totals since boot)
  swapPages: number;
  swapInPages: number;
  swapOutPages: number;
  majorFaults: number;
  minorFaults: number;
  stallSeconds: number;
  psiSomeAvg10: number;
  psiFullAvg10: number;
  oomKills: number;
  oomEvents: number;
  // ---- host memory management
  /** The guest's memory as the host counts it (less hotplug room not plugged yet), and its pages in host swap. */
  memoryPages: number;
  hostSwappedPages: number;
  hostSwapFaults: number;
}

/** The state of the host and every guest at one simulated time. */
export interface Sample {
  timeMs: number;
  freeFrames: number;
  /** The host's free-memory state in the tick just run. */
  hostState: FreeMemoryState;
  /** Pages in host swap (host paging). */
  hostSwapUsedPages: number;
  guests: GuestSample[];
}

/** Reads a sample from the host's accounts and the guests' shared counters (no message needed). */
export function sampleGuests(timeMs: number, host: Hypervisor, shared: ReadonlyArray<GuestSharedViews>): Sample {
  return {
    timeMs,
    freeFrames: host.pool.size,
    hostState: host.freeState,
    hostSwapUsedPages: host.hostSwap.usedPages,
    guests: host.accounts.map((account) => {
      const counters = shared[account.index]!.counters;
      const stats = shared[account.index]!.stats;
      const count = (state: number): number => Atomics.load(counters, state);
      return {
        name: account.name,
        targetPages: account.targetPages,
        residentPages: account.ownedFrames,
        balloonPages: count(PageState.BALLOON),
        anonPages: count(PageState.ANON),
        cachePages: count(PageState.CACHE),
        kernelPages: count(PageState.KERNEL),
        freePages: count(PageState.FREE) + count(PageState.FREE_UNBACKED),
        swapPages: stats[Stat.SWAP_PAGES]!,
        swapInPages: stats[Stat.SWAP_IN_TOTAL]!,
        swapOutPages: stats[Stat.SWAP_OUT_TOTAL]!,
        majorFaults: stats[Stat.MAJOR_FAULTS_TOTAL]!,
        minorFaults: stats[Stat.MINOR_FAULTS_TOTAL]!,
        stallSeconds: stats[Stat.STALL_SECONDS_TOTAL]!,
        psiSomeAvg10: stats[Stat.PSI_SOME_AVG10]!,
        psiFullAvg10: stats[Stat.PSI_FULL_AVG10]!,
        oomKills: stats[Stat.OOM_KILLS_TOTAL]!,
        oomEvents: stats[Stat.OOM_EVENTS_TOTAL]!,
        memoryPages: account.memoryPages,
        hostSwappedPages: account.hostSwapPages,
        hostSwapFaults: stats[Stat.HOST_SWAP_FAULTS_TOTAL]!,
      };
    }),
  };
}
