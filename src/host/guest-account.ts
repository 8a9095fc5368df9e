import type { StatusMessage } from '../messages/protocol.js';
import type { DriverProfileName, GrowthKind } from '../scenario/types.js';
import type { GuestSignalsHeard } from './guest-reports.js';

/**
 * What the hypervisor knows about one guest: its own accounting, kept apart
 * from anything the guest says, so that a lying guest cannot make the host
 * hand out more than the guest is entitled to.
 */
export interface GuestAccount {
  readonly index: number;
  readonly name: string;
  /** Value of this guest's entries in the frame table. */
  readonly ownerId: number;
  alive: boolean;
  /** Guest address space, in pages (maxMemory). */
  readonly pages: number;
  /** Pages that are part of the guest's memory (the address space minus unplugged hotplug room). */
  memoryPages: number;
  readonly bootPages: number;
  readonly kernelPages: number;
  readonly minPages: number;
  /** Frames the table says this guest owns (kept in step with every transfer). */
  ownedFrames: number;
  /** Pages the host holds in the guest's balloon: released frames and unbacked pages, minus deflate grants. */
  balloonPages: number;
  /** Guest size the host wants, in pages. */
  targetPages: number;
  /** Frames granted (or handed back by a refusal) in messages not yet delivered to the guest. */
  queuedGrantFrames: number;
  lastStatus: StatusMessage | null;
  /** The guest's driver profile (the Hyper-V floor applies to hyperv guests; the host may refuse single pages of VMware's). */
  readonly profile: DriverProfileName;
  /** Weight in proportional policies and host reclaim (a setShares event changes it). */
  shares: number;
  /**
   * Pages host reclaim has taken off the target the policy or the
   * administrator set, not yet given back (the host gives them back when it
   * is in the high state with memory to spare; a new target from the policy
   * or the administrator clears it).
   */
  reclaimedPages: number;
  /** Admin targets the guard refused. */
  guardRefusals: number;
  /** First-touch pages refused in the low state because the guest was at or above its target. */
  lowStateRefusedPages: number;
  /** Messages or frames the host refused because they broke the protocol. */
  protocolViolations: number;
  /** Frames asked for first touch that the pool could not provide. */
  populateShortPages: number;
  /** The guest's swap device, in pages. */
  readonly swapPages: number;
  /** Balloon pages in messages not yet delivered to the guest: deflate grants, and release pages the host refused. */
  queuedBalloonPages: number;
  /** The guest's latest stats, pressure report and distress, as the host heard them (policies see them through policy-view.ts). */
  heard: GuestSignalsHeard;
  /** Fraction (0 to 1) of the guest's memory an active-memory sampler found touched in its last period, or null before the first sample. */
  touchedFraction: number | null;
  /** A hostile guest of the scenario (a test of the host): its own figures are not checked, only what it does to the table. */
  readonly hostile: boolean;
  /** Set once the guest has broken the protocol too often: every later message is refused. */
  quarantined: boolean;
  /** Messages refused because the guest was quarantined. */
  quarantinedMessages: number;
  // ---- host memory management (issue 4, part 2)
  /** The last active-memory sample the guest answered (ESX sampling), or null before the first. */
  activeSample: ActiveSampleHeard | null;
  /** Sampling periods the guest was asked to sample and has not answered, oldest first (ids and pages; two in lockstep, up to ACTIVE_SAMPLE_OPEN_MAX when the guest runs behind). */
  activeSampleAsked: Array<{ id: number; pages: number }>;
  /** The newest request dropped from `activeSampleAsked` unanswered (a guest far behind, free-running mode), or 0. */
  activeSampleDroppedId: number;
  /** Host swap slots holding this guest's pages (host paging). */
  hostSwapPages: number;
  /** The `pageOut` sent and not yet answered (at most one is open), or null. */
  pageOutAsked: { id: number; pages: number } | null;
  /** Pages the host paged out of this guest, swap-ins it granted, and swap-ins it was asked for, since boot. */
  hostPagedOutPages: number;
  hostSwappedInPages: number;
  hostSwapInAskedPages: number;
  /** Swap-in frames in messages not yet delivered to the guest. */
  queuedSwapInFrames: number;
  /** Frames granted for swap-ins that the guest gave back (pages dropped before the grant came), since boot: never more than were granted. */
  hostSwapReturnedFrames: number;
  /** How the guest grows past boot. */
  readonly growthKind: GrowthKind;
  /** Pages plugged (hotplug, virtio-mem) and unplugged (virtio-mem) since boot; plug requests answered busy and failed. */
  hotplugPages: number;
  unpluggedPages: number;
  hotplugBusy: number;
  hotplugFailed: number;
  /** Plugged pages in replies not yet delivered to the guest. */
  queuedPlugPages: number;
  /** True while the guest's target is one the administrator forced below its floor (back-pressure leaves it alone). */
  adminForced: boolean;
  /** Pages back-pressure raised the guest's target by, since boot. */
  backPressurePages: number;
}

/** An active-memory sample as the host heard it. */
export interface ActiveSampleHeard {
  sampledPages: number;
  touchedPages: number;
  /** When the host heard it. */
  atMs: number;
}

/** Pages of guest memory that have neither a frame nor a place in the balloon, as the host counts them. */
export function unbackedPagesOf(account: GuestAccount): number {
  return account.memoryPages - account.balloonPages - account.ownedFrames;
}
