import type { AuditResult } from '../audit/auditor.js';
import { DeviceSlot } from '../host/device/device-figures.js';
import type { StateTicks } from '../host/manager/free-memory-state.js';
import { ESX_FREE_MEMORY_THRESHOLDS, type FreeMemoryThresholds } from '../model/policy-spec.js';
import type { FaultSummary } from '../faults/fault-summary.js';
import { statsOf } from '../host/manager/guest-signals.js';
import type { MemoryManager } from '../host/manager/memory-manager.js';
import type { PolicyParameter } from '../host/policy/policy.js';
import type { VirtioStatTag } from '../messages/virtio-stats.js';
import type { GuestReport, PressureFigures } from '../messages/runtime.js';
import type { GrowthKind, Scenario } from '../model/scenario.js';
import type { PlacementKind } from './placement.js';
import type { Provenance } from './provenance.js';

/** Bumped when a field changes meaning or disappears (adding fields does not bump it). */
export const SUMMARY_SCHEMA_VERSION = 2;

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
  /** First-touch pages the host refused in the low free-memory state because the guest was at or above its target. */
  lowStateRefusedPages: number;
  /** Administrator targets the over-shrink guard refused. */
  guardRefusals: number;
  protocolViolations: number;
  /** The host refuses everything this guest sends (it broke the protocol too often). */
  quarantined: boolean;
  /** Messages refused because the guest was quarantined. */
  quarantinedMessages: number;
  pageStates: Record<string, number>;
  driver: GuestReport['driver'];
  // ---- the guest memory model
  minorFaults: number;
  /** Page-cache pages read again after being dropped (workingset_refault_file); major faults only when the file is mapped. */
  refaults: number;
  /**
   * The workload's progress over the run: work done / work wanted (page
   * touches and first touches), from 0 to 1; 1 if it wanted nothing. A task
   * that stalls on faults, swap-in and reclaim, or that was killed, does less.
   */
  progress: number;
  /** How much slower the workload ran: wanted / done (1: unconstrained); null if it did nothing of what it wanted (killed). */
  slowdown: number | null;
  /** Time the workload's tasks spent stalled on memory (major faults, direct reclaim, OOM handling). */
  stallSeconds: number;
  /** Pressure-stall averages at the end, as fractions from 0 to 1 (Linux PSI's percentages / 100). */
  psi: PressureFigures;
  /** Allocations that reached the OOM path (each met by deflate-on-OOM, a kill, or nothing). */
  oomEvents: number;
  deflateOnOomPages: number;
  reportedFreePages: number;
  swapBytes: number;
  swapUsedBytes: number;
  /** MemAvailable at the end. */
  availableBytes: number;
  distressSent: number;
  /** The last virtio stats the host received, keyed by tag name (-1: never reported). */
  stats: Record<VirtioStatTag, number>;
  reclaim: GuestReport['reclaim'];
  /** Each workload component at the end. */
  components: Array<{ name: string; kind: 'anon' | 'file'; bytes: number; residentBytes: number; outBytes: number; hotBytes: number; hotResidentBytes: number; kills: number; progress: number }>;
  /** Hostile guests only: what they tried, by their own count. */
  hostile?: GuestReport['hostile'];
  // ---- host memory management (issue 4)
  /** Distress messages the host heard from the guest. */
  distressEvents: number;
  /** How much back-pressure raised the guest's target, in all. */
  backPressureBytes: number;
  /** Host paging: touches of pages the host paged out, and reads of such pages by the guest's own swap-out. */
  hostSwapFaults: number;
  /** Pages the guest swapped out after the host had paged them out (double paging). */
  doublePagingPages: number;
  /** Pages the host paged out of the guest, and brought back, since boot; and how much is paged out at the end. */
  hostPagedOutPages: number;
  hostSwappedInPages: number;
  hostSwappedBytes: number;
  /** The active fraction the last sampling period found (0 to 1), or null before the first. */
  activeFraction: number | null;
  /** Memory plugged past the boot size (hotplug, virtio-mem), in all. */
  hotplugBytes: number;
  /** Growth past the boot size: how, and what became of the guest's plug requests. */
  growth: {
    kind: GrowthKind;
    /** Plug requests sent, answered busy, and failed for good (0 or 1 for an honest guest). */
    requests: number;
    busy: number;
    failed: number;
    /** Plugged memory that came online. */
    onlineBytes: number;
    unpluggedBytes: number;
    /** Memory the target asked virtio-mem to unplug that stayed plugged because the workload held it. */
    unplugHeldBytes: number;
  };
}

/** The policy in force at the end of the run. */
export interface PolicySummary {
  name: string;
  periodSeconds: number;
  parameters: Record<string, PolicyParameter>;
  /** True if a pausePolicy event held it at the end. */
  paused: boolean;
}

export interface RunTiming {
  /** `lockstep` (the default) or `free` (free-running: timing-dependent, not reproducible). */
  mode?: 'lockstep' | 'free';
  placement: PlacementKind;
  threads: number;
  wallSeconds: number;
  simulatedSecondsPerWallSecond: number;
  /** CPU time of the whole process (every thread), from setup to the end. */
  cpuSeconds?: number;
  /**
   * Time the coordinator spent on work only it does, while the threads that
   * host guests wait (the memory manager, the audit's merge, samples): the
   * serial part, which no number of threads shortens. Its share of
   * `cpuSeconds` bounds the speed-up from more cores (lockstep only;
   * measured as the wall time of those sections, which is their CPU time on
   * a machine that is not busy with other work).
   */
  coordinatorSeconds?: number;
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
    /** The policy in force at the end (schema version 2; version 1 had only its name here). */
    policy: PolicySummary;
    /** Ticks spent in each free-memory state (high, soft, hard, low). */
    stateTicks: StateTicks;
    /** Free fraction of host memory at which each free-memory state begins (high 6 %, soft 4 %, hard 2 %, low 1 % by default). */
    freeMemoryThresholds: FreeMemoryThresholds;
    /** Host swap (host paging in the hard and low states): its size and use at the end, pages written and read back, ticks that paged out. */
    swapBytes: number;
    swapUsedBytes: number;
    swapOutPages: number;
    swapInPages: number;
    pagingTicks: number;
    /** Whether guests' distress makes the host give memory back, and whether it plugs memory when guests ask. */
    backPressure: boolean;
    hotplug: boolean;
    protocolViolations: number;
    transferFailures: number;
    events: number;
    /** Guests the host quarantined. */
    quarantinedGuests: number;
    /** Shards of guests whose free frames share a pool (host.shards, or the default). */
    shards: number;
  };
  guests: GuestSummary[];
  audit: AuditResult;
  /** Present when the scenario injects faults. */
  faults?: FaultSummary;
  timing: RunTiming;
  /** Tool and Node versions, seed and resolved scenario: filled in by the library's simulate and the CLI (see api/provenance.ts). */
  provenance?: Provenance;
}

export function buildSummary(
  scenario: Scenario,
  seed: number,
  ticks: number,
  host: MemoryManager,
  reports: ReadonlyArray<GuestReport>,
  audit: AuditResult,
  timing: RunTiming,
  faults?: FaultSummary,
): RunSummary {
  const frameBytes = scenario.frameBytes;
  const records = host.records;
  const guestFrames = records.reduce((sum, record) => sum + record.ownedFrames, 0);
  const free = host.freeFrames;
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
      freeFrames: free,
      freeBytes: free * frameBytes,
      hypervisorFrames: host.reservedFrames,
      guestFrames,
      backing: scenario.host.backing,
      policy: {
        name: host.policy.name,
        periodSeconds: host.policy.periodMs / 1000,
        parameters: { ...host.policy.parameters },
        paused: host.policyPaused,
      },
      stateTicks: host.stateTicks,
      freeMemoryThresholds: { ...(scenario.host.freeMemoryStates ?? ESX_FREE_MEMORY_THRESHOLDS) },
      swapBytes: host.hostSwap.capacityPages * frameBytes,
      swapUsedBytes: host.hostSwap.usedPages * frameBytes,
      swapOutPages: host.hostSwap.swapOutPages,
      swapInPages: host.hostSwap.swapInPages,
      pagingTicks: host.hostSwap.pagingTicks,
      backPressure: scenario.host.backPressure !== false,
      hotplug: scenario.host.hotplug !== false,
      protocolViolations: records.reduce((sum, record) => sum + record.protocolViolations, 0),
      transferFailures: host.transferFailures,
      events: host.log.entries.length + host.log.dropped,
      quarantinedGuests: records.filter((record) => record.quarantined).length,
      shards: host.layout.shards,
    },
    guests: records.map((account, index) => {
      const device = account.device;
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
        lowStateRefusedPages: device[DeviceSlot.LOW_STATE_REFUSED]!,
        guardRefusals: account.guardRefusals,
        protocolViolations: account.protocolViolations,
        quarantined: account.quarantined,
        quarantinedMessages: device[DeviceSlot.QUARANTINED_MESSAGES]!,
        pageStates: pages,
        driver: report.driver,
        minorFaults: report.minorFaults,
        refaults: report.refaults,
        progress: report.workWanted > 0 ? report.workDone / report.workWanted : 1,
        slowdown: report.workWanted > 0 ? (report.workDone > 0 ? report.workWanted / report.workDone : null) : 1,
        stallSeconds: report.stallSeconds,
        psi: report.psi,
        oomEvents: report.oomEvents,
        deflateOnOomPages: report.deflateOnOomPages,
        reportedFreePages: report.reportedFreePages,
        swapBytes: report.swapPages * frameBytes,
        swapUsedBytes: report.swapUsedPages * frameBytes,
        availableBytes: report.availablePages * frameBytes,
        distressSent: report.distressSent,
        stats: { ...statsOf(account.signals()) },
        reclaim: report.reclaim,
        components: report.components.map((c) => ({
          name: c.name,
          kind: c.kind,
          bytes: c.pages * frameBytes,
          residentBytes: c.residentPages * frameBytes,
          outBytes: c.outPages * frameBytes,
          hotBytes: c.hotPages * frameBytes,
          hotResidentBytes: c.hotResidentPages * frameBytes,
          kills: c.kills,
          progress: c.progress,
        })),
        ...(report.hostile !== undefined ? { hostile: report.hostile } : {}),
        distressEvents: device[DeviceSlot.DISTRESS]!,
        backPressureBytes: account.backPressurePages * frameBytes,
        hostSwapFaults: report.hostSwap.faults,
        doublePagingPages: report.hostSwap.doublePagingPages,
        hostPagedOutPages: device[DeviceSlot.HOST_PAGED_OUT]!,
        hostSwappedInPages: device[DeviceSlot.HOST_SWAPPED_IN]!,
        hostSwappedBytes: account.hostSwapPages * frameBytes,
        activeFraction: account.touchedFraction,
        hotplugBytes: report.growth.onlinePages * frameBytes,
        growth: {
          kind: report.growth.kind,
          requests: report.growth.requests,
          busy: device[DeviceSlot.HOTPLUG_BUSY]!,
          failed: device[DeviceSlot.HOTPLUG_FAILED]!,
          onlineBytes: report.growth.onlinePages * frameBytes,
          unpluggedBytes: device[DeviceSlot.UNPLUGGED]! * frameBytes,
          unplugHeldBytes: report.growth.unplugHeldPages * frameBytes,
        },
      };
    }),
    audit,
    ...(faults !== undefined ? { faults } : {}),
    timing,
  };
}
