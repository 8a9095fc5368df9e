import { noGrowth } from '../guest/growth.js';
import { PAGE_STATE_COUNT, PAGE_STATE_NAMES } from '../guest/page-state.js';
import { Stat, type GuestSharedViews } from '../guest/shared-memory.js';
import { DRIVER_REPORT_START, driverReportOf, pressureFigures, type GuestReport } from '../messages/runtime.js';
import type { GrowthKind } from '../model/scenario.js';

/** A dead guest's pressure averages, over 10, 60 and 300 s. */
const NO_PRESSURE = [0, 0, 0] as const;

/**
 * The report of a guest whose thread died with it (a worker killed by fault
 * injection): nothing can be asked of the actor, so the report says what the
 * guest's shared memory still holds: its page states (wiped when the host
 * took its memory back) and its running figures (swap, faults, stall, OOM).
 * Everything only the actor knew reads 0.
 */
export function deadGuestReport(index: number, name: string, targetPages: number, growthKind: GrowthKind, views: GuestSharedViews): GuestReport {
  const pageStates: Record<string, number> = {};
  for (let state = 0; state < PAGE_STATE_COUNT; state++) pageStates[PAGE_STATE_NAMES[state]!] = Atomics.load(views.counters, state);
  const stat = (slot: number): number => views.stats[slot]!;
  return {
    index,
    name,
    alive: false,
    pages: views.pages,
    memoryPages: 0,
    targetPages,
    balloonPages: 0,
    peakBalloonPages: 0,
    pageStates,
    mappedPages: 0,
    workloadPages: 0,
    swapInPages: stat(Stat.SWAP_IN_TOTAL),
    swapOutPages: stat(Stat.SWAP_OUT_TOTAL),
    majorFaults: stat(Stat.MAJOR_FAULTS_TOTAL),
    oomKills: stat(Stat.OOM_KILLS_TOTAL),
    hostShortPages: 0,
    driver: driverReportOf(DRIVER_REPORT_START),
    minorFaults: stat(Stat.MINOR_FAULTS_TOTAL),
    refaults: 0,
    workWanted: 0,
    workDone: 0,
    stallSeconds: stat(Stat.STALL_SECONDS_TOTAL),
    psi: pressureFigures(NO_PRESSURE, NO_PRESSURE),
    oomEvents: stat(Stat.OOM_EVENTS_TOTAL),
    deflateOnOomPages: stat(Stat.DEFLATE_ON_OOM_PAGES_TOTAL),
    reportedFreePages: stat(Stat.REPORTED_FREE_PAGES_TOTAL),
    swapPages: 0,
    swapUsedPages: 0,
    availablePages: 0,
    distressSent: stat(Stat.DISTRESS_TOTAL),
    hostSwap: { pagedOutPages: 0, faults: stat(Stat.HOST_SWAP_FAULTS_TOTAL), doublePagingPages: 0, swappedInPages: 0, pagedOutNowPages: 0 },
    activeSamples: 0,
    growth: { kind: growthKind, ...noGrowth() },
    reclaim: { allocStalls: 0, kswapdScanned: 0, kswapdReclaimed: 0, directScanned: 0, directReclaimed: 0 },
    components: [],
  };
}
