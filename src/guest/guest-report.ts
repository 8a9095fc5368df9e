/** A guest's report at the end of a run (messages/runtime.ts GuestReport), read from its parts. */
import { driverReportOf, pressureFigures, type GuestReport } from '../messages/runtime.js';
import type { GuestParts } from './guest-parts.js';
import { PAGE_STATE_COUNT, PAGE_STATE_NAMES, PageState } from './page-state.js';

/** What the actor knows of the guest beyond its parts. */
export interface GuestLife {
  index: number;
  alive: boolean;
  booted: boolean;
  /** Pages the host could not back when the guest asked (short populate grants). */
  hostShortPages: number;
}

export function guestReport(parts: GuestParts, life: GuestLife): GuestReport {
  const { memory, events, pressure, workload, swap, hostSwap, growth, progress } = parts;
  const pageStates: Record<string, number> = {};
  for (let state = 0; state < PAGE_STATE_COUNT; state++) {
    pageStates[PAGE_STATE_NAMES[state]!] = memory.count(state as never);
  }
  const driver = parts.driver.counters;
  return {
    index: life.index,
    name: parts.name,
    alive: life.alive,
    pages: memory.pages,
    memoryPages: memory.pages - memory.count(PageState.UNPOPULATED),
    targetPages: parts.driver.targetPages,
    balloonPages: memory.count(PageState.BALLOON),
    peakBalloonPages: driver.peakBalloonPages,
    pageStates,
    mappedPages: memory.mappedPages,
    workloadPages: workload.residentPages,
    swapInPages: events.swapInPages,
    swapOutPages: events.swapOutPages,
    majorFaults: events.majorFaults,
    oomKills: events.oomKills,
    hostShortPages: life.hostShortPages,
    driver: driverReportOf(driver),
    minorFaults: events.minorFaults,
    refaults: events.refaults,
    workWanted: progress.wanted,
    workDone: progress.done,
    stallSeconds: events.stallMsTotal / 1000,
    psi: pressureFigures(pressure.some, pressure.full),
    oomEvents: events.oomEvents,
    deflateOnOomPages: events.deflateOnOomPages,
    reportedFreePages: events.reportedFreePages,
    swapPages: swap.capacityPages,
    swapUsedPages: swap.usedPages,
    availablePages: life.booted ? parts.memAvailablePages() : 0,
    distressSent: parts.signals.distressSent,
    hostSwap: {
      pagedOutPages: hostSwap.pagedOutPages,
      faults: events.hostSwapFaults,
      doublePagingPages: events.doublePagingPages,
      swappedInPages: hostSwap.swappedInPages,
      pagedOutNowPages: memory.hostSwappedPages,
    },
    activeSamples: parts.sampler.samplesSent,
    growth: { kind: growth.spec.kind, ...growth.counters },
    reclaim: {
      allocStalls: events.allocStalls,
      kswapdScanned: events.kswapdScanned,
      kswapdReclaimed: events.kswapdReclaimed,
      directScanned: events.directScanned,
      directReclaimed: events.directReclaimed,
    },
    components: workload.reports(),
  };
}
