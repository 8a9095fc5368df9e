/**
 * The resolved scenario: what the simulator runs after a scenario file has been
 * parsed and validated. Every size is in bytes and every duration in
 * milliseconds; `count` has been expanded into one entry per guest; defaults
 * have been filled in. The file format (units, shorthands) lives in `schema.ts`.
 */
import type { FreeMemoryThresholds, PolicySpec } from './policy-spec.js';

/** How a workload component's size changes over simulated time. */
export type SizeCurve =
  | { kind: 'constant'; bytes: number }
  /** Piecewise constant: the size is `bytes` from `atMs` until the next step. */
  | { kind: 'steps'; steps: ReadonlyArray<{ atMs: number; bytes: number }> }
  /** Linear from `fromBytes` at `startMs` to `toBytes` at `endMs`, flat outside. */
  | { kind: 'ramp'; fromBytes: number; toBytes: number; startMs: number; endMs: number }
  /** Diurnal: min + (max - min) * (1 - cos(2 pi (t + phase) / period)) / 2. */
  | { kind: 'sine'; minBytes: number; maxBytes: number; periodMs: number; phaseMs: number }
  /** Seeded bursts: `baseBytes`, rising to `peakBytes` for bursts whose gaps and lengths are exponential with the given means. */
  | { kind: 'bursts'; baseBytes: number; peakBytes: number; meanGapMs: number; meanLengthMs: number }
  /** A replayed trace: piecewise linear between points (time, bytes), flat after the last. */
  | { kind: 'trace'; points: ReadonlyArray<{ atMs: number; bytes: number }>; source: string };

export type WorkloadKind = 'anon' | 'file';

export interface WorkloadComponent {
  /** `anon`: anonymous memory (heap); `file`: page cache of files it reads. */
  kind: WorkloadKind;
  /** A label for reports: the scenario's `name`, or `anon-0`, `file-1`, ... */
  name: string;
  size: SizeCurve;
  /** Fraction (0..1) of the component that is touched often. */
  hotFraction: number;
  /**
   * How often the coolest hot pages are touched, in ms; the hottest are touched
   * `skew` times as often. Undefined: the guest model's default (1 s).
   */
  hotTouchIntervalMs?: number;
  /** Hottest / coolest touch rate inside the hot part (1: uniform). Undefined: the model's default (16). */
  skew?: number;
  /** How often each cold page is touched, in ms; undefined or 0: never (cold pages stay untouched). */
  coldTouchIntervalMs?: number;
  /** After an OOM kill, the component starts again (empty) this long after; undefined: never (a killed process stays dead). */
  restartAfterMs?: number;
  /** File components: `read` (misses are file refaults) or `mmap` (misses readahead did not cover are major faults); undefined: read. */
  access?: FileAccess;
  /** The order pages are touched in: sequential (readahead works) or random (one page per fault); undefined: sequential. */
  order?: AccessOrder;
}

export type FileAccess = 'read' | 'mmap';
export type AccessOrder = 'sequential' | 'random';

/** The guest kernel's memory settings the model follows (Linux names; defaults of a Debian 12 guest). */
export interface LinuxSettings {
  /** Transparent huge pages on (always or madvise): khugepaged raises min_free_kbytes. */
  thp: boolean;
  /** vm.min_free_kbytes in bytes; undefined: Linux's formula. */
  minFreeBytes?: number;
  /** vm.watermark_scale_factor as a fraction (0.001). */
  watermarkScale: number;
  /** vm.page-cluster: swap readahead of 2^pageCluster pages. */
  pageCluster: number;
  /** read_ahead_kb in bytes. */
  readAheadBytes: number;
}

/** What a page fault costs the faulting task, in ms (fractions of a ms allowed). */
export interface FaultLatencies {
  /** First touch of a page (allocation and zeroing). */
  minorMs: number;
  /** Swap-in of a swapped-out anonymous page. */
  majorMs: number;
  /** Re-read of a page-cache page that was dropped (and the first read of a file page). */
  refaultMs: number;
}

export type DriverProfileName = 'virtio' | 'vmware' | 'xen' | 'hyperv';
export type InflateMode = 'noretry' | 'reclaim' | 'free-only';

export interface DriverSpec {
  profile: DriverProfileName;
  /** Frame numbers per inflate or deflate message; undefined means the profile's own. */
  batchPages?: number;
  inflateMode: InflateMode;
  deflateOnOom: boolean;
  /** How often the guest sends its stats; 0 turns stats off. */
  statsIntervalMs: number;
  freePageReporting: boolean;
}

/**
 * What a hostile guest tries, each once per attack round (see
 * guest/hostile-guest.ts): `forged` names random frames that are not its own;
 * `not-owned` names frames another guest owns (and, where it finds fewer
 * than a message holds, other frames that are not its own); `repeated` names
 * one of its own frames twice in one release; `out-of-range` names frame
 * numbers outside the table; `absurd-count` asks for far more pages than it is entitled to and
 * releases more unbacked pages than it has; `flood` sends a burst of junk
 * messages; `malformed` sends messages of the wrong shape.
 */
export type AttackKind = 'forged' | 'not-owned' | 'repeated' | 'out-of-range' | 'absurd-count' | 'flood' | 'malformed';

/** A guest that attacks the host (on top of behaving as an honest guest otherwise). */
export interface HostileSpec {
  /** Simulated time between attack rounds. */
  everyMs: number;
  attacks: ReadonlyArray<AttackKind>;
  /** Junk messages in one `flood`. */
  floodMessages: number;
}

/**
 * How a guest grows past its boot size (DESIGN.md): `reserved`, address space
 * held by the balloon at boot that a raised target deflates into; `hotplug`
 * (Xen sections, Hyper-V hot-add) and `virtio-mem`, unpopulated room that the
 * host plugs in blocks when the target rises above the guest's memory.
 */
export type GrowthKind = 'reserved' | 'hotplug' | 'virtio-mem';

export interface GrowthSpec {
  kind: GrowthKind;
  /** The plug unit: a hotplug section (128 MiB) or a virtio-mem block (2 MiB); unused for `reserved`. */
  blockBytes: number;
  /** Time for 128 MiB of plugged memory to come online (Hyper-V: up to 5 s per 128 MiB chunk; virtio-mem: 512 MiB in about 1 s). */
  onlineDelayMs: number;
}

export interface GuestSpec {
  name: string;
  /** Present when the guest is hostile: it attacks the host as described. Absent: an honest guest. */
  hostile?: HostileSpec;
  /** Boot size: memory the guest has when it starts. */
  memoryBytes: number;
  /** Largest size the guest can reach (reserved address space above boot). */
  maxMemoryBytes: number;
  /** Floor the host must respect when it sets targets. */
  minMemoryBytes: number;
  /** Unreclaimable kernel memory, allocated at boot. */
  kernelBytes: number;
  shares: number;
  swapBytes: number;
  driver: DriverSpec;
  workload: ReadonlyArray<WorkloadComponent>;
  /** Page fault costs; undefined: the guest model's defaults (guest/fault-latencies.ts). */
  faultLatency?: FaultLatencies;
  /** How the guest grows past boot; undefined: `reserved` (the room above boot is held by the balloon). */
  growth?: GrowthSpec;
  /** The guest kernel's memory settings; undefined: Debian 12's defaults (LINUX_DEFAULTS in model/defaults.ts). */
  linux?: LinuxSettings;
}

export type {
  EsxPolicySpec,
  FreeMemoryThresholds,
  HypervPolicySpec,
  ModulePolicySpec,
  MomPolicySpec,
  PolicyKind,
  PolicySpec,
  ProportionalPolicySpec,
  RotatePolicySpec,
  SenpaiPolicySpec,
  StaticPolicySpec,
  XenSelfballoonPolicySpec,
} from './policy-spec.js';

/** How guest memory is backed by host frames. */
export type BackingMode =
  /** Frames are granted when the guest first touches a page (as KVM does); only kernel memory is backed at boot. */
  | 'lazy'
  /** Every boot page gets a frame at boot (as with preallocated guest memory); booting fails if the host is short. */
  | 'eager';

export interface HostSpec {
  memoryBytes: number;
  reservedBytes: number;
  swapBytes: number;
  backing: BackingMode;
  policy: PolicySpec;
  /** Free-memory state thresholds; undefined means ESX's (6 %, 4 %, 2 %, 1 %). */
  freeMemoryStates?: FreeMemoryThresholds;
  /** After this many protocol violations a guest is quarantined: every later message is refused. 0: never. */
  quarantineAfterViolations?: number;
  /** Whether a guest's distress makes the host stop shrinking it and give memory back; undefined: true. */
  backPressure?: boolean;
  /** Whether the host accepts plug requests (hotplug, virtio-mem); false answers every one with a permanent failure. Undefined: true. */
  hotplug?: boolean;
  /** What a host swap fault costs the guest task that touches a page the host paged out, in ms; undefined: HOST_SWAP_FAULT_MS_DEFAULT. */
  swapFaultMs?: number;
  /**
   * Shards of guests whose free frames share a pool (on one thread); undefined:
   * one per guest, up to 64. Results depend on it, never on the number of threads.
   */
  shards?: number;
}

/** The size of a target: absolute bytes, or a percentage of the guest's maximum. */
export type TargetSize = { bytes: number } | { percentOfMax: number };

export type ScenarioEvent =
  /**
   * An administrator sets a guest's target. The host's guard refuses a target
   * below the guest's floor unless `force`; `dryRun` reports the predicted
   * effect and changes nothing.
   */
  | { atMs: number; kind: 'setTarget'; guest: string; target: TargetSize; force?: boolean; dryRun?: boolean }
  | { atMs: number; kind: 'crash'; guest: string }
  /** The host switches to another policy (a fresh instance: no state carries over). */
  | { atMs: number; kind: 'setPolicy'; policy: PolicySpec }
  /** The policy stops deciding (targets stay where they are; host reclaim still runs) until `resumePolicy`. */
  | { atMs: number; kind: 'pausePolicy' }
  | { atMs: number; kind: 'resumePolicy' }
  /** A guest's shares change (proportional policies and host reclaim read them). */
  | { atMs: number; kind: 'setShares'; guest: string; shares: number }
  /** The memory the hypervisor keeps for itself changes (it takes free frames, or gives some back). */
  | { atMs: number; kind: 'setReserved'; bytes: number }
  /** Grow a guest by `bytes`: its target rises by that much (up to maxMemory), which deflates a reserved range or asks for hotplug. */
  | { atMs: number; kind: 'hotplug'; guest: string; bytes: number }
  /**
   * The host writes a guest's target again, unchanged (a host that keeps
   * re-asserting its target). A virtio balloon driver works only when its
   * target is written: after a deflate-on-OOM this restarts inflation.
   */
  | { atMs: number; kind: 'resendTarget'; guest: string };

/** How an injected crash happens. */
export type CrashHow =
  /** The guest's actor throws in the middle of its step: the messages it was preparing are never sent. */
  | 'throw'
  /** The worker thread that hosts the guest is terminated wherever it is (every guest it hosts dies; free-running mode only). */
  | 'kill-worker';

export interface FaultCrash {
  atMs: number;
  guest: string;
  how: CrashHow;
}

/**
 * Fault injection (TigerBeetle style): faults happen in the safety phase,
 * before `untilMs`, while every invariant must hold; then, in the liveness
 * phase, every live guest must reach its target within `settleMs`.
 */
export interface FaultPlan {
  untilMs: number;
  settleMs: number;
  /** Scheduled crashes, sorted by time. */
  crashes: ReadonlyArray<FaultCrash>;
  /** Actor throws at seeded random times and guests in the safety phase. */
  randomThrows: number;
  /** Worker kills at seeded random times in the safety phase (free-running mode only). */
  randomKills: number;
  /** Free-running mode: the share (0..1) of message batches held back, each way. */
  delayFraction: number;
  /** Free-running mode: a held batch waits up to this many turns of the host's event loop. */
  delayTurnsMax: number;
}

export interface Scenario {
  name: string;
  /** Where it came from: a file path, or `built-in:default`. */
  source: string;
  seed: number;
  durationMs: number;
  tickMs: number;
  frameBytes: number;
  host: HostSpec;
  guests: ReadonlyArray<GuestSpec>;
  /** Sorted by `atMs`, stable for events at the same time. */
  events: ReadonlyArray<ScenarioEvent>;
  /** Fault injection; absent means none (an actor that throws then fails the run). */
  faults?: FaultPlan;
}
