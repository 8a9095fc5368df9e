import type { AuditResult } from '../audit/auditor.js';
import type { FaultSummary } from '../faults/fault-summary.js';
import type { Hypervisor } from '../host/hypervisor.js';
import type { GuestReport } from '../messages/runtime.js';
import type { Scenario } from '../scenario/types.js';
import type { PlacementKind } from './placement.js';

/** Bumped when a field changes meaning or disappears (adding fields does not bump it). */
export const SUMMARY_SCHEMA_VERSION = 1;

export interface GuestSummary {
  name: string;
  alive: boolean;
  /** Largest size the guest can reach (maxMemory). */
  maxBytes: number;
  /** Boot size. */
  bootBytes: number;
  /** Size the host wants the guest at, at the end. */
  targetBytes: number;
  /** Guest memory as the balloon protocol reports it: memory minus balloon. */
  actualBytes: number;
  /** Host memory the guest holds: frames the table gives it. */
  residentBytes: number;
  balloonBytes: number;
  peakBalloonBytes: number;
  /** Kernel, anonymous and page-cache memory. */
  usedBytes: number;
  workloadBytes: number;
  freeBytes: number;
  swapInPages: number;
  swapOutPages: number;
  majorFaults: number;
  oomKills: number;
  /** Pages the guest touched first that the host could not back at once. */
  hostShortPages: number;
  protocolViolations: number;
  /** The host refuses everything this guest sends (it broke the protocol too often). */
  quarantined: boolean;
  /** Messages refused because the guest was quarantined. */
  quarantinedMessages: number;
  pageStates: Record<string, number>;
  driver: GuestReport['driver'];
  /** Hostile guests only: what they tried, by their own count. */
  hostile?: GuestReport['hostile'];
}

export interface RunTiming {
  /** `lockstep` (the default) or `free` (free-running: timing-dependent, not reproducible). */
  mode?: 'lockstep' | 'free';
  placement: PlacementKind;
  threads: number;
  wallSeconds: number;
  simulatedSecondsPerWallSecond: number;
}

/** The JSON summary of a run (DESIGN.md, contracts). Everything but `timing` is deterministic in lockstep mode. */
export interface RunSummary {
  schemaVersion: number;
  scenario: string;
  seed: number;
  ticks: number;
  tickSeconds: number;
  simulatedSeconds: number;
  host: {
    memoryBytes: number;
    frameBytes: number;
    frames: number;
    freeFrames: number;
    freeBytes: number;
    hypervisorFrames: number;
    guestFrames: number;
    backing: string;
    policy: string;
    protocolViolations: number;
    transferFailures: number;
    events: number;
    /** Guests the host quarantined. */
    quarantinedGuests: number;
  };
  guests: GuestSummary[];
  audit: AuditResult;
  /** Present when the scenario injects faults. */
  faults?: FaultSummary;
  timing: RunTiming;
}

export function buildSummary(
  scenario: Scenario,
  seed: number,
  ticks: number,
  host: Hypervisor,
  reports: ReadonlyArray<GuestReport>,
  audit: AuditResult,
  timing: RunTiming,
  faults?: FaultSummary,
): RunSummary {
  const frameBytes = scenario.frameBytes;
  const guestFrames = host.accounts.reduce((sum, account) => sum + account.ownedFrames, 0);
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    scenario: scenario.name,
    seed,
    ticks,
    tickSeconds: scenario.tickMs / 1000,
    simulatedSeconds: (ticks * scenario.tickMs) / 1000,
    host: {
      memoryBytes: host.frames * frameBytes,
      frameBytes,
      frames: host.frames,
      freeFrames: host.pool.size,
      freeBytes: host.pool.size * frameBytes,
      hypervisorFrames: host.reservedFrames,
      guestFrames,
      backing: scenario.host.backing,
      policy: host.policy.name,
      protocolViolations: host.protocolViolations,
      transferFailures: host.table.transferFailures,
      events: host.log.length + host.eventsDropped,
      quarantinedGuests: host.accounts.filter((account) => account.quarantined).length,
    },
    guests: host.accounts.map((account, index) => {
      const report = reports[index]!;
      const pages = report.pageStates;
      const used = (pages.kernel ?? 0) + (pages.anon ?? 0) + (pages.cache ?? 0);
      const free = (pages.free ?? 0) + (pages.freeUnbacked ?? 0);
      return {
        name: account.name,
        alive: account.alive,
        maxBytes: account.pages * frameBytes,
        bootBytes: account.bootPages * frameBytes,
        targetBytes: account.targetPages * frameBytes,
        actualBytes: account.alive ? (report.memoryPages - report.balloonPages) * frameBytes : 0,
        residentBytes: account.ownedFrames * frameBytes,
        balloonBytes: report.balloonPages * frameBytes,
        peakBalloonBytes: report.peakBalloonPages * frameBytes,
        usedBytes: used * frameBytes,
        workloadBytes: report.workloadPages * frameBytes,
        freeBytes: free * frameBytes,
        swapInPages: report.swapInPages,
        swapOutPages: report.swapOutPages,
        majorFaults: report.majorFaults,
        oomKills: report.oomKills,
        hostShortPages: report.hostShortPages,
        protocolViolations: account.protocolViolations,
        quarantined: account.quarantined,
        quarantinedMessages: account.quarantinedMessages,
        pageStates: pages,
        driver: report.driver,
        ...(report.hostile !== undefined ? { hostile: report.hostile } : {}),
      };
    }),
    audit,
    ...(faults !== undefined ? { faults } : {}),
    timing,
  };
}
