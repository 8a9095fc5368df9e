import { GuestSignalsReader, SIGNAL_SLOTS, SignalSlot } from '../../messages/guest-signals.js';
import type { DriverProfileName, GrowthKind, GuestSpec } from '../../model/scenario.js';
import { DEVICE_SLOTS, DeviceSlot } from '../device/device-figures.js';
import { ownerIdOfGuest } from '../owners.js';

/**
 * What the memory manager knows of one guest: what it decides itself
 * (target, shares, what reclaim and back-pressure did) and the figures the
 * guest's device side published at the end of the last tick (`device`,
 * read by `readFigures`). It never sees the guest's frames.
 */
export class GuestRecord {
  readonly index: number;
  readonly name: string;
  readonly ownerId: number;
  /** Guest address space, in pages (maxMemory). */
  readonly pages: number;
  readonly bootPages: number;
  readonly kernelPages: number;
  readonly minPages: number;
  readonly profile: DriverProfileName;
  readonly growthKind: GrowthKind;
  /** Pages of its plug unit (a virtio-mem block, a hotplug section; 1 for `reserved`). */
  readonly growthBlockPages: number;
  readonly hostile: boolean;
  /** The guest's swap device, in pages. */
  readonly swapPages: number;

  alive = true;
  /** Weight in proportional policies and host reclaim (a setShares event changes it). */
  shares: number;
  /** Guest size the host wants, in pages. */
  targetPages: number;
  /**
   * Pages host reclaim has taken off the target the policy or the
   * administrator set, not yet given back (the host gives them back in the
   * high state; a new target from the policy or the administrator clears it).
   */
  reclaimedPages = 0;
  /** Admin targets the guard refused. */
  guardRefusals = 0;
  /** True while the guest's target is one the administrator forced below its floor (back-pressure leaves it alone). */
  adminForced = false;
  /** Pages back-pressure raised the guest's target by, since boot. */
  backPressurePages = 0;
  /** When the last distress came (-1: never), and why. */
  lastDistressAtMs = -1;
  lastDistressReason: 'stall' | 'oom' | null = null;
  /** The last pageOut the manager sent (0: none), and how many pages it asked for. */
  pageOutSentId = 0;
  pageOutAskedPages = 0;
  /** The device side's figures at the end of the last tick (DeviceSlot). */
  readonly device = new Float64Array(DEVICE_SLOTS);
  private readonly signalsReader: GuestSignalsReader | null;
  private readonly signalValues = new Float64Array(SIGNAL_SLOTS);

  constructor(index: number, spec: GuestSpec, frameBytes: number, signals: SharedArrayBuffer | null) {
    this.index = index;
    this.name = spec.name;
    this.ownerId = ownerIdOfGuest(index);
    this.pages = Math.floor(spec.maxMemoryBytes / frameBytes);
    this.bootPages = Math.floor(spec.memoryBytes / frameBytes);
    this.kernelPages = Math.min(this.bootPages, Math.ceil(spec.kernelBytes / frameBytes));
    this.minPages = Math.floor(spec.minMemoryBytes / frameBytes);
    this.profile = spec.driver.profile;
    this.growthKind = spec.growth?.kind ?? 'reserved';
    this.growthBlockPages = Math.max(1, Math.floor((spec.growth?.blockBytes ?? 0) / frameBytes));
    this.hostile = spec.hostile !== undefined;
    this.swapPages = Math.floor(spec.swapBytes / frameBytes);
    this.shares = spec.shares;
    this.targetPages = this.bootPages;
    this.signalsReader = signals === null ? null : new GuestSignalsReader(signals);
    const memoryPages = this.growthKind === 'reserved' ? this.pages : this.bootPages;
    this.device[DeviceSlot.ALIVE] = 1;
    this.device[DeviceSlot.MEMORY] = memoryPages;
    this.device[DeviceSlot.BALLOON] = memoryPages - this.bootPages;
    this.device[DeviceSlot.TARGET] = this.bootPages;
    this.device[DeviceSlot.SAMPLE_AT_MS] = -1;
    this.signalValues[SignalSlot.STATUS_AT_MS] = -1;
    this.signalValues[SignalSlot.STATS_AT_MS] = -1;
    this.signalValues[SignalSlot.PRESSURE_AT_MS] = -1;
  }

  // ---- the device side's figures (as of the end of the last tick)

  /** Frames the table gives the guest. */
  get ownedFrames(): number {
    return this.device[DeviceSlot.OWNED]!;
  }

  /** Frames owed to its grants that wait for the next tick's start. */
  get pendingFrames(): number {
    return this.device[DeviceSlot.PENDING]!;
  }

  /**
   * Frames the guest holds as the manager's decisions count them: those it
   * owns and those its waiting grants will give it before it next steps
   * (what one pool for the whole host would already have given it).
   */
  get heldFrames(): number {
    return this.device[DeviceSlot.OWNED]! + this.device[DeviceSlot.PENDING]!;
  }

  get balloonPages(): number {
    return this.device[DeviceSlot.BALLOON]!;
  }

  get memoryPages(): number {
    return this.device[DeviceSlot.MEMORY]!;
  }

  get hostSwapPages(): number {
    return this.device[DeviceSlot.HOST_SWAP]!;
  }

  get quarantined(): boolean {
    return this.device[DeviceSlot.QUARANTINED] === 1;
  }

  get protocolViolations(): number {
    return this.device[DeviceSlot.VIOLATIONS]!;
  }

  /** Fraction (0 to 1) of the memory the last active-memory sample found touched, or null before the first. */
  get touchedFraction(): number | null {
    const sampled = this.device[DeviceSlot.SAMPLED]!;
    return this.device[DeviceSlot.SAMPLE_AT_MS]! < 0 || sampled <= 0 ? null : this.device[DeviceSlot.TOUCHED]! / sampled;
  }

  /** A pageOut is open: sent, and not yet closed by the device (answered, or replaced). */
  get pageOutOpen(): boolean {
    return this.pageOutSentId > this.device[DeviceSlot.PAGE_OUT_CLOSED_ID]!;
  }

  // ---- what the guest publishes about itself (guest-signals.ts), read when needed

  /**
   * The guest's published signals (SignalSlot), read from shared memory now:
   * a consistent copy, or the last one read if the guest is in the middle of
   * writing. The array is reused by the next call.
   */
  signals(): Float64Array {
    this.signalsReader?.read(this.signalValues);
    return this.signalValues;
  }
}
