/**
 * The whole host on one thread, driven the way tests drive it: the memory
 * manager and every guest's device side (all shards in one DeviceGroup),
 * composed exactly as runtime/guest-thread.ts and the lockstep loop compose
 * them, with the guests' messages crossing the same wire. Tests step the
 * guests themselves (or send what they like) between `takeInboxes` and
 * `handleOutbox`.
 *
 * A tick: `beginTick(t)` closes tick t - 1 (the device sides publish and
 * report, the manager takes the reports) and opens t (the manager decides,
 * the device sides carry out its orders); then `takeInboxes`, then
 * `handleOutbox` for each guest. As in a run, what the device sides record
 * (events, distress) and publish reaches the manager when a tick closes
 * (`endTick`), and what the manager sends (targets, page-outs, sampling)
 * goes out with the next tick's orders.
 */
import { HostFiguresBuffer } from '../../src/host/device/device-figures.js';
import type { DeviceAccount } from '../../src/host/device/device-account.js';
import { DeviceGroup, type HostOrders, type HostReport } from '../../src/host/device/device-group.js';
import type { FrameTable } from '../../src/host/frame-table.js';
import { frameTableFor } from '../../src/runtime/run-setup.js';
import type { GuestRecord } from '../../src/host/manager/guest-record.js';
import { MemoryManager, type AdminTargetOptions, type AdminTargetResult, type ManagerOptions } from '../../src/host/manager/memory-manager.js';
import type { HostToGuest } from '../../src/messages/protocol.js';
import { OutboxWire, unpackOutbox } from '../../src/runtime/wire-codec.js';
import type { Scenario, TargetSize } from '../../src/model/scenario.js';
import { applyScenarioEvent } from '../../src/host/manager/scenario-events.js';
import { shardCount } from '../../src/host/manager/shards.js';
import type { GuestSharedViews } from '../../src/guest/shared-memory.js';
import { allocateGuestSignals } from '../../src/messages/guest-signals.js';

export interface InlineHostOptions extends ManagerOptions {
  /** Replaces the frame table (tests that break the host on purpose). */
  table?: FrameTable;
  /**
   * The guests' shared memory, if the test has guests (their published
   * signals reach the manager). Without it every guest gets a signals buffer
   * of its own that the test publishes in (support/guest-signals.ts).
   */
  shared?: ReadonlyArray<GuestSharedViews>;
}

/** One guest as the host knows it: the device side's account, live, and the manager's record. */
export interface HostGuestView {
  readonly device: DeviceAccount;
  readonly record: GuestRecord;
  readonly index: number;
  readonly name: string;
  readonly ownerId: number;
  readonly alive: boolean;
  readonly pages: number;
  readonly memoryPages: number;
  readonly ownedFrames: number;
  readonly balloonPages: number;
  readonly hostSwapPages: number;
  readonly protocolViolations: number;
  readonly quarantined: boolean;
  readonly quarantinedMessages: number;
  readonly lowStateRefusedPages: number;
  readonly pageOutAsked: { id: number; pages: number } | null;
  /** The manager's target (what it last decided). */
  readonly targetPages: number;
  readonly shares: number;
  readonly adminForced: boolean;
  readonly guardRefusals: number;
  readonly backPressurePages: number;
  /** Pages host reclaim took off the target and has not given back. */
  readonly reclaimedPages: number;
  /** The device side's figures as the manager last read them (DeviceSlot). */
  readonly figures: Float64Array;
}

function viewOf(devices: DeviceGroup, record: GuestRecord): HostGuestView {
  const device = (): DeviceAccount => devices.device(record.index).account;
  return {
    get device() {
      return device();
    },
    record,
    index: record.index,
    name: record.name,
    ownerId: record.ownerId,
    get alive() {
      return device().alive && record.alive;
    },
    pages: record.pages,
    get memoryPages() {
      return device().memoryPages;
    },
    get ownedFrames() {
      return device().ownedFrames;
    },
    get balloonPages() {
      return device().balloonPages;
    },
    get hostSwapPages() {
      return device().hostSwapPages;
    },
    get protocolViolations() {
      return device().protocolViolations;
    },
    get quarantined() {
      return device().quarantined;
    },
    get quarantinedMessages() {
      return device().quarantinedMessages;
    },
    get lowStateRefusedPages() {
      return device().lowStateRefusedPages;
    },
    get pageOutAsked() {
      return device().pageOutAsked;
    },
    get targetPages() {
      return record.targetPages;
    },
    get shares() {
      return record.shares;
    },
    get adminForced() {
      return record.adminForced;
    },
    get guardRefusals() {
      return record.guardRefusals;
    },
    get backPressurePages() {
      return record.backPressurePages;
    },
    get reclaimedPages() {
      return record.reclaimedPages;
    },
    figures: record.device,
  };
}

export class InlineHost {
  readonly manager: MemoryManager;
  readonly table: FrameTable;
  readonly figures: HostFiguresBuffer;
  private group: DeviceGroup | null = null;
  private views: HostGuestView[] = [];
  private readonly wire = new OutboxWire();
  private tickOpen = false;
  /** The orders of the open tick. */
  lastOrders: HostOrders | null = null;
  /** What the device sides reported when the last tick closed. */
  lastReport: HostReport | null = null;
  /** Each guest's signals buffer (what it publishes about itself), by index. */
  readonly signals: ReadonlyArray<SharedArrayBuffer>;

  constructor(
    readonly scenario: Scenario,
    options: InlineHostOptions = {},
  ) {
    this.table = options.table ?? frameTableFor(scenario);
    this.figures = new HostFiguresBuffer(scenario.guests.length, shardCount(scenario.guests.length, scenario.host.shards));
    this.signals = scenario.guests.map((_, index) => options.shared?.[index]?.buffers.signals ?? allocateGuestSignals());
    this.manager = new MemoryManager(scenario, { table: this.table, figures: this.figures, signals: this.signals }, options);
  }

  /** The device sides (after `boot`). */
  get devices(): DeviceGroup {
    if (this.group === null) throw new Error('InlineHost: boot first');
    return this.group;
  }

  /** Sets up the device sides and boots every guest (boot frames and messages); throws BootError if they cannot boot. */
  boot(): void {
    this.group = new DeviceGroup(this.table, this.figures, this.manager.shardSetups());
    this.views = this.manager.records.map((record) => viewOf(this.group!, record));
    for (const guest of this.group.guestIndexes) this.group.device(guest).boot();
  }

  get accounts(): ReadonlyArray<HostGuestView> {
    return this.views;
  }

  /** Closes the open tick (if any) and opens `tick`; returns the guests crashed by scenario events. */
  beginTick(tick: number, beforeEvents?: () => void): number[] {
    this.endTick();
    const orders = this.manager.beginTick(tick, beforeEvents);
    this.lastOrders = orders;
    this.tickOpen = true;
    return this.devices.begin({ ...orders, boot: false });
  }

  /** Closes the open tick: the device sides publish and report, the manager takes the report. */
  endTick(): void {
    if (!this.tickOpen) return;
    this.tickOpen = false;
    this.lastReport = this.devices.end();
    this.manager.endTick([this.lastReport]);
  }

  /** Every guest's inbox since the last call, by index. */
  takeInboxes(): HostToGuest[][] {
    return this.manager.records.map((record) => this.devices.takeInbox(record.index));
  }

  /** One guest's messages, across the wire to its device side. */
  handleOutbox(index: number, messages: ReadonlyArray<unknown>): void {
    this.devices.handle(index, unpackOutbox(this.wire.pack(messages as never)));
  }

  /**
   * One guest's messages handed to its device side as they are, without the
   * wire (the device side's own checks, as if the wire let anything through).
   */
  handleRaw(index: number, messages: ReadonlyArray<unknown>): void {
    this.devices.handle(index, messages);
  }

  setTargetOf(index: number, target: TargetSize, reason: string, options: AdminTargetOptions = {}): AdminTargetResult {
    return this.manager.setTargetOf(index, target, reason, options);
  }

  /** A guest dies now (its device side takes its frames back). */
  crash(index: number, why: string): void {
    this.manager.crash(index, why);
    this.devices.crash(index, why);
  }

  /** Whether a tick is open (begun and not yet closed). */
  get inTick(): boolean {
    return this.tickOpen;
  }

  /** The shard whose pool a guest's device side grants from. */
  shardOf(index: number): number {
    return this.manager.layout.shardOf[index]!;
  }

  get log() {
    return this.manager.log.entries;
  }

  get frames(): number {
    return this.manager.frames;
  }

  /** Free frames: every shard's pool (live) and the manager's transit. */
  get freeFrames(): number {
    let free = this.manager.balancer.transit.size;
    for (const pool of this.devices.pools) free += pool.size;
    return free;
  }

  get protocolViolations(): number {
    return this.views.reduce((sum, view) => sum + view.protocolViolations, 0);
  }

  get transferFailures(): number {
    return this.table.transferFailures;
  }

  get hostSwap() {
    return this.manager.hostSwap;
  }

  get stateTicks() {
    return this.manager.stateTicks;
  }

  get freeState() {
    return this.manager.freeState;
  }

  get policy() {
    return this.manager.policy;
  }

  get reservedFrames(): number {
    return this.manager.reservedFrames;
  }

  get hostPagingDemandFrames(): number {
    return this.manager.hostPagingDemandFrames;
  }

  /** What a policy would see now. */
  policyView() {
    return this.manager.policyView();
  }

  /** The hypervisor's reserve wants `frames` from now on: a setReserved event, applied now (and logged). */
  setReserve(frames: number): void {
    applyScenarioEvent(this.manager, { atMs: this.manager.nowMs, kind: 'setReserved', bytes: frames * this.scenario.frameBytes });
  }
}
