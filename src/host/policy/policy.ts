/**
 * The host policy API: what a policy sees (a view of the host and of each
 * guest, rebuilt each time it runs) and what it returns (targets, in pages).
 * Built-in policies are in src/host/manager/policies/; users pass their own to `simulate`
 * (`options.policy`) or name a module in the scenario (`kind: module`).
 *
 * Everything here is in pages of the host's frame size (`frameBytes`), except
 * where a name says otherwise. For a policy that names guests and speaks
 * bytes, write it with `definePolicy` (src/api/define-policy.ts): it is this
 * interface underneath.
 */
import type { DriverProfileName } from '../../model/scenario.js';
import type { PressureFigures } from '../../messages/runtime.js';
import type { VirtioStatTag } from '../../messages/virtio-stats.js';
import type { FreeMemoryState } from '../../messages/protocol.js';

export { VIRTIO_STAT_TAGS } from '../../messages/virtio-stats.js';
export type { VirtioStatTag } from '../../messages/virtio-stats.js';

/**
 * A guest's latest virtio statistics: memory figures (MEMFREE, MEMTOT, AVAIL,
 * CACHES) in bytes, the others as counts since boot (SWAP_IN and SWAP_OUT in
 * pages). A statistic the guest has not reported reads -1, as in virtio.
 */
export type GuestStats = Readonly<Record<VirtioStatTag, number>>;

/** A Hyper-V style pressure report (sent every second by hyperv-profile guests). */
export interface PressureReport {
  /** Memory the guest could use without reclaim. */
  availablePages: number;
  /** Committed memory + ballooned + (added - onlined) + floor, as hv_balloon reports it. */
  committedPages: number;
}

/** Pressure-stall figures, as Linux PSI gives them for memory: the averages (0 to 1) over the last 10, 60 and 300 seconds, and the totals. */
export interface PsiFigures extends PressureFigures {
  /** Time some task was stalled on memory, since boot. */
  someTotalSeconds: number;
  /** Time every task was stalled on memory at once, since boot. */
  fullTotalSeconds: number;
}

/** What a policy sees of one guest. Sizes in pages. */
export interface PolicyGuestView {
  /** Position in the scenario's guest list; targets are returned by index. */
  index: number;
  name: string;
  /** False once it crashed: a dead guest's target is ignored. */
  alive: boolean;
  /** The guest's balloon driver profile. */
  profile: DriverProfileName;
  /** Weight in proportional policies and host reclaim. */
  shares: number;
  /** Pages that are part of the guest's memory, balloon included: its address space up to maxMemory, less hotplug room not plugged yet. */
  memoryPages: number;
  /** Boot size. */
  bootPages: number;
  /**
   * Largest target the host may set: maxMemory. It is memoryPages, except for
   * guests that grow by hotplug or virtio-mem, whose memory is smaller until a
   * target above it makes them plug more.
   */
  maxPages: number;
  /** minMemory: the host never sets a target below it. */
  minPages: number;
  /** Unreclaimable kernel memory. */
  kernelPages: number;
  /**
   * The lowest target host reclaim will set: the largest of minMemory, kernel
   * memory and, for hyperv-profile guests, the Hyper-V floor.
   */
  floorPages: number;
  /** The size the host currently wants the guest at. */
  targetPages: number;
  /** Host frames the guest holds (resident memory). */
  residentPages: number;
  /** Pages the host counts in the guest's balloon. */
  balloonPages: number;
  /** Guest size as the balloon makes it: memoryPages - balloonPages. */
  actualPages: number;
  /** Kernel, anonymous and page-cache pages, from the guest's last status; null before the first. */
  usedPages: number | null;
  /** Free pages (backed or not), from the guest's last status; null before the first. */
  freePages: number | null;
  /** The latest virtio statistics (-1 for what the guest has not reported). */
  stats: GuestStats;
  /** The latest Hyper-V style pressure report, or null if the guest sends none. */
  pressure: PressureReport | null;
  /** The latest pressure-stall figures, or null if the guest reports none. */
  psi: PsiFigures | null;
  /** True while the guest says it is desperately short of memory. */
  distressed: boolean;
  /**
   * Fraction (0 to 1) of the guest's memory found touched in the last
   * active-memory sampling period (touchedPages / sampledPages of
   * `activeSample`); null before the first.
   */
  touchedFraction: number | null;
  /**
   * The last active-memory sample (ESX): every sampling period the host asks
   * the guest to sample random pages of its memory and says how many were
   * touched during the period. `atMs` tells a new sample from one already
   * seen. Null before the first.
   */
  activeSample: ActiveSampleView | null;
  /** Pages of the guest the host has paged out to its own swap (host paging in the hard and low states). */
  hostSwappedPages: number;
}

/** One active-memory sample: `touchedPages` of `sampledPages` random pages were touched in the period that ended at `atMs`. */
export interface ActiveSampleView {
  sampledPages: number;
  touchedPages: number;
  atMs: number;
}

/** What a policy sees of the host. Sizes in frames (= pages). */
export interface PolicyHostView {
  /** Simulated time, in ms: the same clock as `timeMs` in samples and events. */
  timeMs: number;
  /** @deprecated The same as `timeMs` (its old name, kept so that existing policies work). */
  nowMs: number;
  frameBytes: number;
  /** All of host memory. */
  frames: number;
  /** Kept by the hypervisor for itself. */
  reservedFrames: number;
  /** frames - reservedFrames: what guests can have between them. */
  usableFrames: number;
  /** Frames no one holds. */
  freeFrames: number;
  /** The free-memory state this tick. */
  state: FreeMemoryState;
  /** Free frames at which the host is back in the high state; targets should leave this much free. */
  highFrames: number;
  /** Below this many free frames the host enters the soft state. */
  softFrames: number;
  guests: ReadonlyArray<PolicyGuestView>;
}

/** A policy setting as the summary shows it. */
export type PolicyParameter = number | string | boolean;

/**
 * A host memory policy. The host calls `decide` every `periodMs` of simulated
 * time (and at time 0) and sets the targets it returns, in pages, by guest
 * index; guests it leaves out keep their target. The host keeps every target
 * within the guest's minMemory and memory, and while it is short of memory
 * (soft state or below) it lets a policy move memory between guests but not
 * raise the sum of targets.
 *
 * A policy must be deterministic: no clock, no Math.random (built-ins take
 * their randomness from a seeded `Random`).
 */
export interface Policy {
  readonly name: string;
  readonly periodMs: number;
  /** Settings, for the summary (`host.policy.parameters`). */
  readonly parameters?: Readonly<Record<string, PolicyParameter>> | undefined;
  decide(view: PolicyHostView): ReadonlyMap<number, number>;
  /**
   * Called every `observeEveryMs` (every tick if unset), before `decide` would
   * be, for policies that average what they see.
   */
  observe?: ((view: PolicyHostView) => void) | undefined;
  readonly observeEveryMs?: number | undefined;
  /**
   * In the soft state and below the host asks for `frames` more frames every
   * tick (beyond those the guests' balloons still owe) and lowers targets to
   * the ones returned. Without this method, host reclaim revokes by shares
   * (see reclaim.ts).
   */
  reclaim?: ((view: PolicyHostView, frames: number) => ReadonlyMap<number, number>) | undefined;
  /**
   * Active-memory sampling: how many pages of each guest to sample, and how
   * often (ESX samples 100 pages every 30 s). The host samples only for
   * policies that set this; the views of other policies carry no sample.
   */
  readonly activeSampling?: { readonly pages: number; readonly periodMs: number } | undefined;
}
