/**
 * What the runtime and the guests share, types only: how a guest actor is set
 * up (its spec, seed and shared memory), its report at the end of a run, and
 * what crosses a thread about it (crashes, serialized errors). How the
 * coordinator talks to worker threads is in runtime/thread-protocol.ts.
 */
// The resolved guest spec and growth kind: the resolved model at the bottom (src/model).
import type { GrowthKind, GuestSpec } from '../model/scenario.js';
import type { TableShare, WasmMemory } from './table-share.js';

/** The shared memory a guest publishes its pages in (see guest/shared-memory.ts). */
export interface GuestSharedBuffers {
  /** The page map, one word a page: a view over shared memory (guests' maps share large buffers, see guest/page-map-arena.ts). */
  frameOf: Int32Array;
  /** The page states, one byte a page: a view over shared memory, like `frameOf`. */
  pageState: Uint8Array;
  /** The WebAssembly memory `frameOf` and `pageState` are views of, where they live in one (the full audit scans them there), else null. */
  arena: WasmMemory | null;
  counters: SharedArrayBuffer;
  /** Float64 running figures (swap, faults, stall, pressure): see guest/shared-memory.ts `Stat`. */
  stats: SharedArrayBuffer;
  /** What the guest publishes for the host instead of status, stats and pressure messages (messages/guest-signals.ts). */
  signals: SharedArrayBuffer;
}

/** Where an injected throw happens in a guest's step. */
export type ThrowPoint =
  /** Before the guest reads its inbox: grants in it are never mapped. */
  | 'before-inbox'
  /** After the guest has stepped (pages unmapped, releases built) but before its messages leave. */
  | 'before-send';

/** Faults injected into one guest actor. */
export interface GuestFaults {
  /** Ticks (of the guest's own clock) at which its actor throws, and where. */
  throwAt: ReadonlyArray<{ tick: number; point: ThrowPoint }>;
}

/** Everything a thread needs to create one guest actor. */
export interface GuestInit {
  index: number;
  spec: GuestSpec;
  tickMs: number;
  frameBytes: number;
  /** The guest's own seed, derived from the root seed. */
  seed: number;
  shared: GuestSharedBuffers;
  /**
   * Present when the run injects faults: a throw from this guest's actor then
   * crashes the guest (the host takes its frames back) instead of failing the run.
   */
  faults?: GuestFaults;
  /** Hostile guests only: the frame ownership table, which they read to pick frames that are not their own. */
  table?: TableShare;
  /** What a host swap fault costs the touching task (host paging); undefined: the default. */
  hostSwapFaultMs?: number;
}

/** A guest whose actor threw while fault injection was on: it is stopped, and the host must crash it. */
export interface GuestCrash {
  guestIndex: number;
  message: string;
}

/** An error that crossed a thread, serialized on purpose. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** A stable code: `GUEST_THREW`, `WORKER_FAILED`, ... */
  code: string;
}

/** What a hostile guest counts of its own attacks. */
export interface HostileReport {
  /** Attack rounds started. */
  rounds: number;
  /** Attack messages sent (a repeated frame counts as one). */
  attackMessages: number;
  /** Violations a correct host counts for them. */
  expectedViolations: number;
  /** Answers to attacks that refused them. */
  refusalsSeen: number;
  /** Answers to attacks that accepted something: a host bug. */
  attacksAccepted: number;
  /** Attack messages by kind. */
  byKind: Partial<Record<string, number>>;
}

/** What a guest says about itself at the end of a run. */
export interface GuestReport {
  index: number;
  name: string;
  alive: boolean;
  /** Guest pages in the address space (maxMemory). */
  pages: number;
  /** Pages that are part of guest memory (not unpopulated). */
  memoryPages: number;
  /** The last target the guest heard of. */
  targetPages: number;
  balloonPages: number;
  peakBalloonPages: number;
  /** Pages in each state, keyed by state name. */
  pageStates: Record<string, number>;
  mappedPages: number;
  workloadPages: number;
  swapInPages: number;
  swapOutPages: number;
  majorFaults: number;
  oomKills: number;
  /** Pages asked for at first touch that the host could not grant at once. */
  hostShortPages: number;
  driver: DriverReport;
  // ---- the guest memory model
  /** First touches of new pages. */
  minorFaults: number;
  /** Page-cache pages read again after being dropped (workingset_refault_file; major faults only for mapped files). */
  refaults: number;
  /** Work the workload wanted and did, in page touches and first touches (progress = done / wanted). */
  workWanted: number;
  workDone: number;
  /** Time the workload's tasks spent stalled on memory. */
  stallSeconds: number;
  psi: PressureFigures;
  /** Allocations that reached the OOM path. */
  oomEvents: number;
  /** Pages the balloon gave back on OOM events (deflate-on-OOM). */
  deflateOnOomPages: number;
  /** Pages whose frames went back to the host by free page reporting. */
  reportedFreePages: number;
  /** The guest's swap device, and how much of it is in use. */
  swapPages: number;
  swapUsedPages: number;
  /** MemAvailable at the end, in pages. */
  availablePages: number;
  /** Distress messages sent to the host. */
  distressSent: number;
  // ---- host memory management (issue 4)
  /** Host paging: pages the host took, touches of paged-out pages (host swap faults), pages swapped out by the guest after the host had (double paging), pages brought back, pages still paged out. */
  hostSwap: { pagedOutPages: number; faults: number; doublePagingPages: number; swappedInPages: number; pagedOutNowPages: number };
  /** Active-memory sampling periods answered. */
  activeSamples: number;
  /** Growth past the boot size (hotplug, virtio-mem). */
  growth: GrowthReport;
  /** Page reclaim counters (as /proc/vmstat). */
  reclaim: { allocStalls: number; kswapdScanned: number; kswapdReclaimed: number; directScanned: number; directReclaimed: number };
  /** Each workload component at the end. */
  components: ComponentReport[];
  /** Hostile guests only. */
  hostile?: HostileReport;
}

/** Pressure-stall averages like Linux PSI, as fractions from 0 to 1. */
export interface PressureFigures {
  someAvg10: number;
  someAvg60: number;
  someAvg300: number;
  fullAvg10: number;
  fullAvg60: number;
  fullAvg300: number;
}

/** The averages from a guest's `some` and `full` figures, each [over 10 s, 60 s, 300 s]. */
export function pressureFigures(some: ArrayLike<number>, full: ArrayLike<number>): PressureFigures {
  return { someAvg10: some[0]!, someAvg60: some[1]!, someAvg300: some[2]!, fullAvg10: full[0]!, fullAvg60: full[1]!, fullAvg300: full[2]! };
}

/** One workload component of a guest at the end of a run. */
export interface ComponentReport {
  name: string;
  kind: 'anon' | 'file';
  /** Logical pages it holds (resident or out). */
  pages: number;
  residentPages: number;
  /** Pages out: in swap (anon) or dropped from the page cache (file). */
  outPages: number;
  hotPages: number;
  hotResidentPages: number;
  kills: number;
  /** Work done / wanted since boot (1 if it wanted nothing). */
  progress: number;
}

/**
 * What a guest's balloon driver reports of itself, in the report's order,
 * with the value of each counter before the driver did anything. Written
 * once: the driver's own counters (guest/balloon-counters.ts) start from it,
 * and the report of a guest that died with its thread says it.
 */
export const DRIVER_REPORT_START = {
  inflatedPages: 0,
  deflatedPages: 0,
  releaseMessages: 0,
  requestMessages: 0,
  /** Frames the host refused (VMware's single pages); they went back to the guest's free memory. */
  refusedFrames: 0,
  /** Inflates that could not take a page and backed off ("Out of puff"). */
  outOfPuff: 0,
  /** Deflate requests the host could not fill. */
  shortGrants: 0,
  /** 2 MiB pages inflated (VMware, Hyper-V). */
  largePages: 0,
  /** Pages the cold-first reclaim handed straight to the balloon (inflate mode `reclaim`). */
  coldReclaimedPages: 0,
  /** Inflation the Hyper-V floor held back at the last try, in pages (0: the floor did not stop the balloon). */
  floorHeldPages: 0,
  targetChanges: 0,
  /** When the target last changed, in ms of simulated time. */
  lastTargetChangeMs: 0,
  /** When the balloon last reached the size the target asks for, after the last change (-1: not yet). */
  targetReachedMs: 0,
  /** How long the last inflation toward a new target took, from the change until the balloon held what it asks (-1: none completed). */
  inflateToTargetMs: -1,
  /** The same for the last deflation. */
  deflateToTargetMs: -1,
} as const;

/** The balloon driver's counters in a guest's report (see DRIVER_REPORT_START). */
export type DriverReport = { -readonly [K in keyof typeof DRIVER_REPORT_START]: number };

const DRIVER_REPORT_KEYS = Object.keys(DRIVER_REPORT_START) as Array<keyof DriverReport>;

/** The report's counters copied out of `counters` (which may hold more), in the report's order. */
export function driverReportOf(counters: Readonly<DriverReport>): DriverReport {
  const report = {} as DriverReport;
  for (const key of DRIVER_REPORT_KEYS) report[key] = counters[key];
  return report;
}

/** What a guest's growth unit counts (guest/growth.ts), for its report. */
export interface GrowthReport {
  kind: GrowthKind;
  /** Plug requests sent. */
  requests: number;
  /** Pages the host plugged (ok answers). */
  pluggedPages: number;
  /** Of those, pages online (part of the guest's memory). */
  onlinePages: number;
  busyReplies: number;
  /** True once the host answered a plug with a permanent failure. */
  failed: boolean;
  /** Pages unplugged (virtio-mem). */
  unpluggedPages: number;
  /** Pages the target asks to unplug that free memory could not give at the last try (held by the workload: they stay plugged). */
  unplugHeldPages: number;
  /** When the last plugged chunk came online (-1: none). */
  lastOnlineMs: number;
}
