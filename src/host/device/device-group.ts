import { framesInRuns, type FreeMemoryState, type HostToGuest } from '../../messages/protocol.js';
import type { HostEventKind } from '../event-log.js';
import { FrameTable, type TransferFailure } from '../frame-table.js';
import type { DeviceInit } from './device-account.js';
import { HostFiguresBuffer, ShardSlot } from './device-figures.js';
import { RunList } from '../frame-runs.js';
import type { TableShare } from '../../messages/table-share.js';
import { GuestDevice, type DistressHeard } from './guest-device.js';
import { ShardPool } from './shard-pool.js';

/** One shard as a thread hosts it: its guests (in index order) and the free frames it starts with. */
export interface ShardSetup {
  shard: number;
  guests: DeviceInit[];
  /** Untouched frames at boot, as runs (first, count). */
  untouched: Int32Array;
}

/** What the memory manager tells the threads at the start of a tick. */
export interface HostOrders {
  tick: number;
  nowMs: number;
  state: FreeMemoryState;
  /** The first tick: every device boots its guest (boot frames and message) before anything else. */
  boot: boolean;
  /** Guests to crash before they step (scenario events). */
  crashes: Array<{ guest: number; why: string }>;
  /** Messages from the manager for guests (setTarget, pageOut, sampleActive), in the order sent. */
  commands: Array<{ guest: number; message: HostToGuest }>;
  /** Free frames handed to shards, as runs (first, count) of OWNER_FREE frames. */
  adopt: Array<{ shard: number; runs: Int32Array }>;
  /**
   * Per shard, two numbers (`keep[2 * shard]`, `keep[2 * shard + 1]`): at
   * the end of the tick a pool holding more than the first surrenders down
   * to the second, so that frames guests gave back reach the manager's
   * transit before the next tick. Empty: keep everything.
   */
  keep: Float64Array;
  /**
   * The manager's clock (ms) when it planned the frames these orders hand
   * out. A grant that began waiting before then is completed now (short if
   * the pool still lacks frames: the manager saw what it was owed); one that
   * began waiting since waits for a later plan. Absent: every waiting grant
   * is completed (lockstep, where the orders are always the plan made after
   * the tick the grants waited in). Free-running mode sets it: its orders
   * reach a worker that has run rounds ahead of the manager's clock, and a
   * grant completed before the manager could answer it would be short for
   * want of time, not of frames.
   */
  plannedMs?: number;
}

/** A device side's event, with its guest. */
export interface GuestEvent {
  guest: number;
  kind: HostEventKind;
  detail: string;
}

/** What a thread's device sides report at the end of a tick. */
export interface HostReport {
  /** Events, guest by guest in index order (each guest's in the order they happened). */
  events: GuestEvent[];
  /** Distress heard, guest by guest in index order. */
  distress: Array<{ guest: number } & DistressHeard>;
  /** Frames shards gave up on the manager's orders, as runs (now OWNER_FREE). */
  surrendered: Array<{ shard: number; runs: Int32Array }>;
  /** Frames that changed owner on this thread since the last report (grants, take-backs, moves of pools). */
  framesMoved: number;
  /** Guest messages the device sides handled since the last report (valid or not). */
  messagesHandled: number;
  /** Compare-exchanges that failed on this thread since the last report, and the first few. */
  transferFailures: number;
  transferFailureDetails: TransferFailure[];
}

/** Failures kept with their details per report. */
const FAILURE_DETAILS_KEPT = 8;

/**
 * The device sides of the shards one thread hosts (every shard, inline): it
 * carries out the memory manager's orders at the start of a tick, hands each
 * guest its inbox and handles its outbox, and at the end of the tick
 * publishes each guest's and each shard's figures in shared memory and
 * reports events, distress and surrendered frames.
 */
export class DeviceGroup {
  readonly table: FrameTable;
  readonly figures: HostFiguresBuffer;
  readonly pools: ShardPool[] = [];
  /** Devices by global guest index (only this thread's are set). */
  private readonly devices: Array<GuestDevice | undefined> = [];
  /** This thread's guests, in index order. */
  readonly guestIndexes: number[] = [];
  private readonly poolOfShard = new Map<number, ShardPool>();
  private readonly guestsOfShard = new Map<number, number[]>();
  private readonly surrendered: HostReport['surrendered'] = [];
  private failuresReported = 0;
  private transfersReported = 0;
  private messagesHandled = 0;
  /** The keep marks of the tick (HostOrders.keep). */
  private keep: Float64Array = new Float64Array(0);
  /** Per shard: frames adopted by orders and frames surrendered, since boot (ShardSlot.ADOPTED, SURRENDERED). */
  private readonly adoptedTotal = new Map<number, number>();
  private readonly surrenderedTotal = new Map<number, number>();

  /**
   * @param states free-running mode: the shared guest states its concurrent auditor reads (device sides mark a dying guest)
   */
  constructor(table: TableShare | FrameTable, figures: HostFiguresBuffer, shards: ReadonlyArray<ShardSetup>, states: SharedArrayBuffer | null = null) {
    const stateArray = states === null ? null : new Int32Array(states);
    this.table = table instanceof FrameTable ? table : new FrameTable(table);
    this.figures = figures;
    for (const setup of shards) {
      const pool = new ShardPool(setup.shard, this.table);
      for (let i = 0; i < setup.untouched.length; i += 2) pool.adopt(setup.untouched[i]!, setup.untouched[i + 1]!);
      this.pools.push(pool);
      this.poolOfShard.set(setup.shard, pool);
      this.guestsOfShard.set(setup.shard, setup.guests.map((init) => init.index));
      for (const init of setup.guests) {
        this.devices[init.index] = new GuestDevice(init, this.table, pool, stateArray);
        this.guestIndexes.push(init.index);
      }
    }
    this.guestIndexes.sort((a, b) => a - b);
    // The manager reads the figures before the first tick.
    this.publish();
  }

  /** The device of a guest this thread hosts. */
  device(guest: number): GuestDevice {
    const device = this.devices[guest];
    if (device === undefined) throw new RangeError(`DeviceGroup: this thread does not host guest ${guest}`);
    return device;
  }

  /** The pool of a shard this thread hosts. */
  pool(shard: number): ShardPool {
    const pool = this.poolOfShard.get(shard);
    if (pool === undefined) throw new RangeError(`DeviceGroup: this thread does not host shard ${shard}`);
    return pool;
  }

  /**
   * Carries out the manager's orders for this thread's guests and shards:
   * frames adopted, boot, crashes, grants that waited for frames, then
   * commands (what pools keep applies at `end`). Returns the guests crashed
   * by order (the runtime stops their actors).
   */
  begin(orders: HostOrders): number[] {
    const tick = { nowMs: orders.nowMs, state: orders.state };
    for (const guest of this.guestIndexes) this.devices[guest]!.beginTick(tick);
    for (const { shard, runs } of orders.adopt) {
      const pool = this.poolOfShard.get(shard);
      if (pool === undefined) continue;
      for (let i = 0; i < runs.length; i += 2) pool.adopt(runs[i]!, runs[i + 1]!);
      this.adoptedTotal.set(shard, (this.adoptedTotal.get(shard) ?? 0) + framesInRuns(runs));
    }
    if (orders.boot) for (const guest of this.guestIndexes) this.devices[guest]!.boot();
    const crashed: number[] = [];
    for (const { guest, why } of orders.crashes) {
      const device = this.devices[guest];
      if (device === undefined || !device.account.alive) continue;
      device.crash(why);
      crashed.push(guest);
    }
    // Grants that waited for frames get them now, from what the pools just adopted, in guest order.
    for (const guest of this.guestIndexes) this.devices[guest]!.grants.completePending(orders.plannedMs);
    this.keep = orders.keep;
    for (const { guest, message } of orders.commands) this.devices[guest]?.command(message);
    return crashed;
  }

  /** The messages for a guest, to step it with. */
  takeInbox(guest: number): HostToGuest[] {
    return this.device(guest).takeInbox();
  }

  /** Handles what a guest sent in its step. */
  handle(guest: number, outbox: ReadonlyArray<unknown>): void {
    this.messagesHandled += outbox.length;
    this.device(guest).handleAll(outbox);
  }

  /** A guest whose actor threw (fault injection): crashed in its turn. */
  crash(guest: number, why: string): void {
    this.device(guest).crash(why);
  }

  /** Surrenders what pools hold above their keep marks, publishes every figure and reports the tick. */
  end(): HostReport {
    const list = new RunList();
    for (const pool of this.pools) {
      const above = this.keep[2 * pool.shard];
      // What the shard's waiting grants are owed stays: they take it at the next tick's start.
      const spare = pool.size - this.owedOfShard(pool.shard);
      if (above === undefined || spare <= above) continue;
      list.clear();
      pool.surrender(spare - this.keep[2 * pool.shard + 1]!, list);
      if (list.frames > 0) this.surrendered.push({ shard: pool.shard, runs: list.toRuns() });
      this.surrenderedTotal.set(pool.shard, (this.surrenderedTotal.get(pool.shard) ?? 0) + list.frames);
    }
    const events: GuestEvent[] = [];
    const distress: HostReport['distress'] = [];
    for (const guest of this.guestIndexes) {
      const device = this.devices[guest]!;
      for (const event of device.takeEvents()) events.push({ guest, kind: event.kind, detail: event.detail });
      for (const heard of device.takeDistress()) distress.push({ guest, ...heard });
    }
    this.publish();
    const failures = this.table.transferFailures;
    const details = this.table.transferFailureDetails.slice(this.failuresReported, this.failuresReported + FAILURE_DETAILS_KEPT);
    const report: HostReport = {
      events,
      distress,
      surrendered: this.surrendered.splice(0),
      framesMoved: this.table.transfers - this.transfersReported,
      messagesHandled: this.messagesHandled,
      transferFailures: failures - this.failuresReported,
      transferFailureDetails: details,
    };
    this.failuresReported = failures;
    this.messagesHandled = 0;
    this.transfersReported = this.table.transfers;
    return report;
  }

  /** Frames the waiting grants of a shard's guests are owed. */
  private owedOfShard(shard: number): number {
    let owed = 0;
    for (const guest of this.guestsOfShard.get(shard)!) owed += this.devices[guest]!.grants.pendingFrames;
    return owed;
  }

  /** Frames the waiting grants of a shard's guests lacked when they were completed since the last publish (taken). */
  private shortfallOfShard(shard: number): number {
    let short = 0;
    for (const guest of this.guestsOfShard.get(shard)!) short += this.devices[guest]!.grants.takeShortfall();
    return short;
  }

  /** Writes every guest's and shard's figures into shared memory. */
  private publish(): void {
    const figures = this.figures;
    for (const guest of this.guestIndexes) {
      const at = figures.beginGuest(guest);
      this.devices[guest]!.account.writeFigures(figures.values, at);
      figures.endGuest(guest);
    }
    for (const pool of this.pools) {
      const flow = pool.takeFlow();
      const owed = this.owedOfShard(pool.shard);
      const at = figures.beginShard(pool.shard);
      const values = figures.values;
      values[at + ShardSlot.POOL] = pool.size;
      values[at + ShardSlot.UNTOUCHED] = pool.untouchedFrames;
      values[at + ShardSlot.GRANTED] = flow.granted;
      // Unmet: what waiting grants lack now, and what grants that waited were completed short of in this
      // step. Without the second, a grant that waits in one step and is completed short in the next (the
      // guest backs off, then asks again) shows as unmet every other step only; in free-running mode the
      // manager, which reads the figures whenever a batch comes, could read only the other steps for tens
      // of rounds, and the guest's balloon stayed above its target (a soak's liveness misses).
      values[at + ShardSlot.UNMET] = Math.max(0, owed - pool.size) + this.shortfallOfShard(pool.shard);
      values[at + ShardSlot.RETURNED] = flow.returned;
      values[at + ShardSlot.ADOPTED] = this.adoptedTotal.get(pool.shard) ?? 0;
      values[at + ShardSlot.SURRENDERED] = this.surrenderedTotal.get(pool.shard) ?? 0;
      figures.endShard(pool.shard);
    }
  }
}
