import type { DriverProfileName, GrowthKind, GuestSpec } from '../../model/scenario.js';
import { ownerIdOfGuest } from '../owners.js';
import { DeviceSlot } from './device-figures.js';

/** How one guest's device side is set up. */
export interface DeviceInit {
  index: number;
  spec: GuestSpec;
  frameBytes: number;
  /** Protocol violations after which the guest is quarantined (0: never). */
  quarantineAfter: number;
  /** Whether the host plugs memory when a guest asks (host.hotplug). */
  hotplug: boolean;
  /** `eager`: boot grants all of boot memory; `lazy`: the kernel's memory only. */
  backing: 'eager' | 'lazy';
}

/**
 * What the device side knows about its guest: the frame accounting it keeps
 * apart from anything the guest says, so that a lying guest cannot make the
 * host hand out more than the guest is entitled to. Only the device side
 * (on the guest's thread) changes it; the memory manager reads the figures
 * the device publishes (device-figures.ts).
 */
export class DeviceAccount {
  readonly index: number;
  readonly name: string;
  /** Value of this guest's entries in the frame table. */
  readonly ownerId: number;
  /** Guest address space, in pages (maxMemory). */
  readonly pages: number;
  readonly bootPages: number;
  readonly kernelPages: number;
  /** The guest's driver profile (the host may refuse single pages of VMware's). */
  readonly profile: DriverProfileName;
  readonly growthKind: GrowthKind;
  /** A hostile guest of the scenario (a test of the host). */
  readonly hostile: boolean;
  /** The guest's swap device, in pages. */
  readonly swapPages: number;

  alive = true;
  /** Pages that are part of the guest's memory (the address space minus unplugged hotplug room). */
  memoryPages: number;
  /** Frames the table says this guest owns (kept in step with every transfer). */
  ownedFrames = 0;
  /** Pages the host holds in the guest's balloon: released frames and unbacked pages, minus deflate grants. */
  balloonPages: number;
  /** The target the device last passed on to the guest. */
  targetPages: number;
  /** Frames granted (or handed back by a refusal) in messages not yet delivered to the guest. */
  queuedGrantFrames = 0;
  /** Balloon pages in messages not yet delivered: deflate grants, and release pages the host refused. */
  queuedBalloonPages = 0;
  /** Swap-in frames in messages not yet delivered. */
  queuedSwapInFrames = 0;
  /** Plugged pages in replies not yet delivered. */
  queuedPlugPages = 0;
  protocolViolations = 0;
  quarantined = false;
  quarantinedMessages = 0;
  /** First-touch pages refused in the low state because the guest was at or above its target. */
  lowStateRefusedPages = 0;
  /** Frames asked for first touch that the pool could not provide. */
  populateShortPages = 0;
  /** Sampling periods asked and not answered (oldest first), and the newest one dropped unanswered. */
  activeSampleAsked: Array<{ id: number; pages: number }> = [];
  activeSampleDroppedId = 0;
  /** The last active-memory sample: when it was heard (-1: never), pages sampled and touched. */
  sampleAtMs = -1;
  sampledPages = 0;
  touchedPages = 0;
  /** Host swap slots holding this guest's pages. */
  hostSwapPages = 0;
  /** The open pageOut, or null; the id of the last one closed. */
  pageOutAsked: { id: number; pages: number } | null = null;
  pageOutClosedId = 0;
  /** Since boot: pages the host paged out, swap-ins granted, host swap pages read back by double paging, swap-ins asked, swap-in frames returned. */
  hostPagedOutPages = 0;
  hostSwappedInPages = 0;
  hostSwapReadPages = 0;
  hostSwapInAskedPages = 0;
  hostSwapReturnedFrames = 0;
  /** Pages plugged and unplugged since boot; plug requests answered busy and failed. */
  hotplugPages = 0;
  unpluggedPages = 0;
  hotplugBusy = 0;
  hotplugFailed = 0;
  /**
   * What grants waiting for frames are owed (grants.ts): balloon pages a
   * waiting deflate will take, unbacked pages a waiting first touch or
   * swap-in will back, and host swap slots a waiting swap-in will free.
   * Nobody may ask for them again meanwhile.
   */
  owedDeflatePages = 0;
  owedBackingPages = 0;
  owedSwapInPages = 0;
  /** Frames given back by free page reporting, pages given back on OOM events, distress messages heard. */
  reportedFreeFrames = 0;
  oomDeflatedPages = 0;
  distressMessages = 0;

  constructor(init: DeviceInit) {
    const { spec, frameBytes } = init;
    this.index = init.index;
    this.name = spec.name;
    this.ownerId = ownerIdOfGuest(init.index);
    this.pages = Math.floor(spec.maxMemoryBytes / frameBytes);
    this.bootPages = Math.floor(spec.memoryBytes / frameBytes);
    this.kernelPages = Math.min(this.bootPages, Math.ceil(spec.kernelBytes / frameBytes));
    this.profile = spec.driver.profile;
    this.growthKind = spec.growth?.kind ?? 'reserved';
    this.hostile = spec.hostile !== undefined;
    this.swapPages = Math.floor(spec.swapBytes / frameBytes);
    // Hotplug room is not the guest's memory until plugged; a reserved range is, held by the balloon.
    this.memoryPages = this.growthKind === 'reserved' ? this.pages : this.bootPages;
    this.balloonPages = this.memoryPages - this.bootPages;
    this.targetPages = this.bootPages;
  }

  /** Pages of guest memory that have neither a frame nor a place in the balloon, less those waiting grants will back. */
  get unbackedPages(): number {
    return this.memoryPages - this.balloonPages - this.ownedFrames - this.owedBackingPages;
  }

  /** Balloon pages a deflate may take: those a waiting deflate will take are spoken for. */
  get deflatablePages(): number {
    return this.balloonPages - this.owedDeflatePages;
  }

  /** Host swap slots a swap-in may ask for: those a waiting swap-in will free are spoken for. */
  get swapInablePages(): number {
    return this.hostSwapPages - this.owedSwapInPages;
  }

  /** Writes the figures the manager reads into `values` at `at` (DEVICE_SLOTS slots). */
  writeFigures(values: Float64Array, at: number): void {
    values[at + DeviceSlot.ALIVE] = this.alive ? 1 : 0;
    values[at + DeviceSlot.OWNED] = this.ownedFrames;
    values[at + DeviceSlot.BALLOON] = this.balloonPages;
    values[at + DeviceSlot.MEMORY] = this.memoryPages;
    values[at + DeviceSlot.TARGET] = this.targetPages;
    values[at + DeviceSlot.QUEUED_GRANT] = this.queuedGrantFrames;
    values[at + DeviceSlot.QUEUED_BALLOON] = this.queuedBalloonPages;
    values[at + DeviceSlot.QUEUED_SWAP_IN] = this.queuedSwapInFrames;
    values[at + DeviceSlot.QUEUED_PLUG] = this.queuedPlugPages;
    values[at + DeviceSlot.VIOLATIONS] = this.protocolViolations;
    values[at + DeviceSlot.QUARANTINED] = this.quarantined ? 1 : 0;
    values[at + DeviceSlot.QUARANTINED_MESSAGES] = this.quarantinedMessages;
    values[at + DeviceSlot.LOW_STATE_REFUSED] = this.lowStateRefusedPages;
    values[at + DeviceSlot.POPULATE_SHORT] = this.populateShortPages;
    values[at + DeviceSlot.HOST_SWAP] = this.hostSwapPages;
    values[at + DeviceSlot.PAGE_OUT_CLOSED_ID] = this.pageOutClosedId;
    values[at + DeviceSlot.HOST_PAGED_OUT] = this.hostPagedOutPages;
    values[at + DeviceSlot.HOST_SWAPPED_IN] = this.hostSwappedInPages;
    values[at + DeviceSlot.HOST_SWAP_READ] = this.hostSwapReadPages;
    values[at + DeviceSlot.HOST_SWAP_IN_ASKED] = this.hostSwapInAskedPages;
    values[at + DeviceSlot.HOST_SWAP_RETURNED] = this.hostSwapReturnedFrames;
    values[at + DeviceSlot.HOTPLUG] = this.hotplugPages;
    values[at + DeviceSlot.UNPLUGGED] = this.unpluggedPages;
    values[at + DeviceSlot.HOTPLUG_BUSY] = this.hotplugBusy;
    values[at + DeviceSlot.HOTPLUG_FAILED] = this.hotplugFailed;
    values[at + DeviceSlot.REPORTED_FREE] = this.reportedFreeFrames;
    values[at + DeviceSlot.OOM_DEFLATED] = this.oomDeflatedPages;
    values[at + DeviceSlot.DISTRESS] = this.distressMessages;
    values[at + DeviceSlot.PENDING] = this.owedDeflatePages + this.owedBackingPages;
    values[at + DeviceSlot.SAMPLE_AT_MS] = this.sampleAtMs;
    values[at + DeviceSlot.SAMPLED] = this.sampledPages;
    values[at + DeviceSlot.TOUCHED] = this.touchedPages;
  }
}
