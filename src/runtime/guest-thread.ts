/**
 * What one thread runs: the guest actors of its shards and, beside each, the
 * guest's device side (host/device), exactly as QEMU serves each VM's balloon
 * device in that VM's process. Inline there is one with every shard; on
 * workers each worker (and the calling thread, for its share) has one. A
 * tick: the memory manager's orders, then each guest in index order steps on
 * its inbox and its device side handles its outbox (packed on the wire, as
 * a virtqueue carries it), then the figures are published, and the audit's
 * part for this thread runs.
 */
import { ThreadAudit, type AuditFindings, type FullAuditPart } from '../audit/thread-audit.js';
import { GuestSharedViews } from '../guest/shared-memory.js';
import { HostFiguresBuffer } from '../host/device/device-figures.js';
import { DeviceGroup, type HostOrders, type HostReport, type ShardSetup } from '../host/device/device-group.js';
import type { FrameTable } from '../host/frame-table.js';
import type { GuestCrash, GuestInit, GuestReport } from '../messages/runtime.js';
import type { TableShare } from '../messages/table-share.js';
import { ActorGroup } from './actor-group.js';
import { OutboxWire, unpackOutbox } from './wire-codec.js';

/** Everything a thread needs to host its shards. */
export interface ThreadSetup {
  /** The frame table and the host's figures buffer, shared by every thread. */
  table: TableShare;
  figures: SharedArrayBuffer;
  guestCount: number;
  shardCount: number;
  /** Every guest's name (audit findings name other guests' frames). */
  guestNames: string[];
  frameBytes: number;
  /** The thread's shards, in order, with their device sides. */
  shards: ShardSetup[];
  /** The actors of the shards' guests, in index order. */
  guests: GuestInit[];
  /** Free-running mode: the shared guest states its concurrent auditor reads. */
  guestStates?: SharedArrayBuffer;
  /** Inline only: the table object the device sides use (tests that break the host on purpose); else a view of `table`. */
  tableObject?: FrameTable;
}

/** Which audit a thread runs after its step, stamped with the time it is made at (the end of the tick). */
export type AuditRequest = { kind: 'quick'; timeMs: number } | { kind: 'full'; timeMs: number; sliceStart: number; sliceEnd: number };

/** What a thread reports for one tick. */
export interface ThreadResult {
  report: HostReport;
  /** Guests whose actor threw with fault injection on (their device sides took their frames back). */
  crashed: GuestCrash[];
  audit: AuditFindings | FullAuditPart | null;
}

/** An outbox with nothing in it, as the device side reads it. */
const NO_MESSAGES: ReadonlyArray<unknown> = Object.freeze([]);

export class GuestThread {
  private readonly actors: ActorGroup;
  readonly devices: DeviceGroup;
  private readonly views = new Map<number, GuestSharedViews>();
  private readonly audit: ThreadAudit;
  private readonly wire = new OutboxWire();
  /** Actor positions by guest index. */
  private readonly positions: number[];

  constructor(setup: ThreadSetup) {
    const figures = new HostFiguresBuffer(setup.guestCount, setup.shardCount, setup.figures);
    this.devices = new DeviceGroup(setup.tableObject ?? setup.table, figures, setup.shards, setup.guestStates ?? null);
    this.actors = new ActorGroup(setup.guests);
    for (const init of setup.guests) this.views.set(init.index, new GuestSharedViews(init.shared));
    this.positions = setup.guests.map((init) => init.index);
    const hosted = this.devices.guestIndexes;
    if (hosted.length !== this.positions.length || hosted.some((guest, i) => guest !== this.positions[i])) {
      throw new RangeError('GuestThread: the actors must be the shards\' guests, in index order');
    }
    this.audit = new ThreadAudit(this.devices, this.views, setup.frameBytes, setup.guestNames, setup.shardCount);
  }

  /** Global indexes of the hosted guests, in order. */
  get guestIndexes(): number[] {
    return this.positions;
  }

  /** One tick: the manager's orders, every guest's step and its device side's answer, then the audit's part. */
  step(orders: HostOrders, audit: AuditRequest | null): ThreadResult {
    for (const guest of this.devices.begin(orders)) this.stopGuest(guest);
    const crashed: GuestCrash[] = [];
    for (let position = 0; position < this.positions.length; position++) {
      const guest = this.positions[position]!;
      if (this.actors.isStopped(position)) continue;
      const outbox = this.actors.stepOne(position, orders.tick, this.devices.takeInbox(guest));
      const crash = this.actors.lastCrash(position);
      if (crash !== null) {
        // Its actor threw under fault injection: its step's messages are lost, its device side takes its frames back.
        this.devices.crash(guest, `its actor threw: ${crash.message}`);
        this.views.get(guest)!.tearDown();
        crashed.push(crash);
        continue;
      }
      // An empty outbox packs to a count of 0 and unpacks to nothing: skip the wire (most guests, most ticks).
      this.devices.handle(guest, outbox.length === 0 ? NO_MESSAGES : unpackOutbox(this.wire.pack(outbox)));
    }
    const report = this.devices.end();
    return { report, crashed, audit: audit === null ? null : this.runAudit(audit) };
  }

  /**
   * Carries out orders without stepping the guests (free-running mode, once a
   * worker has sent its last round: crashes, frames adopted and waiting
   * grants still take effect) and reports.
   */
  settle(orders: HostOrders): HostReport {
    for (const guest of this.devices.begin(orders)) this.stopGuest(guest);
    return this.devices.end();
  }

  /** An audit at a quiescent point between ticks (the full audit at the end of a run). */
  auditNow(audit: AuditRequest): AuditFindings | FullAuditPart {
    return this.runAudit(audit);
  }

  reports(): GuestReport[] {
    return this.actors.reports();
  }

  /** Stops a guest the manager crashed: its actor takes no more steps, its shared memory is wiped. */
  private stopGuest(guest: number): void {
    this.actors.stop(guest);
    this.views.get(guest)?.tearDown();
  }

  private runAudit(audit: AuditRequest): AuditFindings | FullAuditPart {
    return audit.kind === 'quick' ? this.audit.quick(audit.timeMs) : this.audit.full(audit.timeMs, audit.sliceStart, audit.sliceEnd);
  }
}
