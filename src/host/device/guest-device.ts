import { MESSAGES_PER_TICK_MAX } from '../../messages/limits.js';
import { InboxWire } from '../../messages/inbox-wire.js';
import { framesInRuns, type GrantPurpose, type GuestToHost, type HostToGuest, type ProtocolVersion, type RefusalReason, type RequestMessage } from '../../messages/protocol.js';
import { assertNever } from '../../util/assert-never.js';
import type { HostEventKind } from '../event-log.js';
import type { FrameTable } from '../frame-table.js';
import { DeviceAccount, type DeviceInit } from './device-account.js';
import type { DeviceContext, DeviceTick } from './device-context.js';
import { GuestState } from './guest-states.js';
import { emptyFrameReturn, takeBackFrames } from './frame-return.js';
import { handleFreePageReport, handleOomDeflate, handleRelease, handleRequest } from './balloon-handlers.js';
import { DeviceGrants } from './grants.js';
import { handleActiveSample, handleHostSwapRelease, handlePagedOut, handlePlug, handleSwapIn, handleUnplug } from './host-memory-handlers.js';
import { guestMessageProblem } from './message-checks.js';
import { refuseQuarantined } from './quarantine.js';
import type { ShardPool } from './shard-pool.js';

export const HOST_PROTOCOL_VERSION: ProtocolVersion = 1;

/** A record the device side makes for the host's event log (the memory manager adds the time and the guest's name). */
export interface DeviceEvent {
  kind: HostEventKind;
  detail: string;
}

/** What a device side hears that the memory manager must act on: a guest's distress (back-pressure). */
export interface DistressHeard {
  reason: 'stall' | 'oom';
  fullAvg10: number;
  availablePages: number;
}

/**
 * One guest's device side: everything the host does frame by frame for that
 * guest, on the guest's own thread (as QEMU serves a VM's virtio-balloon
 * device in that VM's process). It validates and applies the guest's
 * releases, requests, free page reports, swap-ins, host paging answers,
 * plugs and unplugs, grants frames from its shard's pool, keeps the guest's
 * account, quarantines a guest that breaks the protocol too often, and
 * passes the memory manager's commands (targets, page-outs, sampling) on.
 *
 * It trusts nothing the guest says: every frame number is checked (in range,
 * owned by the sender, named once) by a compare-exchange on the shared table,
 * which is both the check and the move.
 */
export class GuestDevice implements DeviceContext {
  readonly account: DeviceAccount;
  /** The tick being handled (set by `beginTick`). */
  tick: DeviceTick = { nowMs: 0, state: 'high' };
  /** Events of the current tick, taken by `takeEvents`. */
  private events: DeviceEvent[] = [];
  /** Distress heard this tick, taken by `takeDistress`. */
  private distress: DistressHeard[] = [];
  /** What the guest reads at its next step, kept as words until then (messages/inbox-wire.ts). */
  private readonly inbox = new InboxWire();
  /** What `takeBack` reads of takeBackFrames' answer, reused. */
  private readonly returned = emptyFrameReturn();
  /** Grants for the guest's requests, from the shard's pool (some wait for the next tick). */
  readonly grants: DeviceGrants;
  private readonly quarantineAfter: number;
  private readonly eager: boolean;
  readonly hotplug: boolean;
  readonly frameBytes: number;

  /**
   * @param states the shared guest states (free-running mode, for its concurrent auditor), or null
   */
  constructor(
    init: DeviceInit,
    readonly table: FrameTable,
    readonly pool: ShardPool,
    private readonly states: Int32Array | null = null,
  ) {
    this.account = new DeviceAccount(init);
    this.quarantineAfter = init.quarantineAfter;
    this.eager = init.backing === 'eager';
    this.hotplug = init.hotplug;
    this.frameBytes = init.frameBytes;
    this.grants = new DeviceGrants(this.account, pool, (request, runs) => {
      const granted = framesInRuns(runs);
      if (request.purpose === 'populate') this.account.populateShortPages += request.pages - granted;
      this.sendGrant(request, runs, granted < request.pages ? 'host-busy' : undefined);
    });
  }

  /** Frames the guest needs at boot (its kernel, or all of boot memory with eager backing). */
  get bootFrames(): number {
    return this.eager ? this.account.bootPages : this.account.kernelPages;
  }

  beginTick(tick: DeviceTick): void {
    this.tick = tick;
  }

  /** Grants the guest its boot frames and queues its boot message (the manager checked that the shard can). */
  boot(): void {
    const account = this.account;
    const runs = this.grants.boot(this.bootFrames);
    this.queue({ type: 'boot', version: HOST_PROTOCOL_VERSION, ownerId: account.ownerId, runs, targetPages: account.targetPages });
    this.record('boot', `${this.grants.lastFrames} frames at boot`);
  }

  /**
   * A message from the memory manager for the guest (setTarget, pageOut,
   * sampleActive): noted, and passed on with the guest's next inbox.
   */
  command(message: HostToGuest): void {
    const account = this.account;
    if (!account.alive) return;
    switch (message.type) {
      case 'setTarget':
        account.targetPages = message.targetPages;
        break;
      case 'pageOut':
        // A pageOut still open is closed unanswered by a new one (the manager asks again only after the last closed).
        if (account.pageOutAsked !== null) account.pageOutClosedId = account.pageOutAsked.id;
        account.pageOutAsked = { id: message.id, pages: message.pages };
        break;
      case 'sampleActive': {
        const open = account.activeSampleAsked;
        open.push({ id: message.id, pages: message.pages });
        if (open.length > ACTIVE_SAMPLE_OPEN_MAX) account.activeSampleDroppedId = open.shift()!.id;
        break;
      }
      default:
        throw new RangeError(`GuestDevice.command: the manager does not send ${message.type}`);
    }
    this.queue(message);
  }

  /** The messages for the guest since the last call; nothing is in flight to it any more. */
  takeInbox(): HostToGuest[] {
    const inbox = this.inbox.take();
    const account = this.account;
    account.queuedGrantFrames = 0;
    account.queuedBalloonPages = 0;
    account.queuedSwapInFrames = 0;
    account.queuedPlugPages = 0;
    return inbox;
  }

  takeEvents(): DeviceEvent[] {
    const events = this.events;
    if (events.length > 0) this.events = [];
    return events;
  }

  takeDistress(): DistressHeard[] {
    const distress = this.distress;
    if (distress.length > 0) this.distress = [];
    return distress;
  }

  /**
   * Handles one guest's messages of this tick, in the order it sent them. At
   * most MESSAGES_PER_TICK_MAX are looked at; the rest of a flood is refused
   * unread (one violation). A quarantined guest's messages are all refused.
   */
  handleAll(messages: ReadonlyArray<unknown>): void {
    const account = this.account;
    if (!account.alive) return;
    const count = Math.min(messages.length, MESSAGES_PER_TICK_MAX);
    for (let i = 0; i < count; i++) {
      const message = messages[i];
      const problem = guestMessageProblem(message);
      if (account.quarantined) {
        refuseQuarantined(this, problem === null ? (message as GuestToHost) : null);
        continue;
      }
      if (problem !== null) {
        this.violation(`malformed message: ${problem}`);
        continue;
      }
      this.handle(message as GuestToHost);
    }
    if (messages.length > count) {
      this.violation(`flood: ${messages.length} messages in one tick, at most ${MESSAGES_PER_TICK_MAX} are read; the rest were dropped unread`);
    }
  }

  /**
   * The guest died: the device takes back every frame it owned (found by
   * scanning the table, which is the truth, not the guest's own map) into
   * the shard's pool, and forgets what was in flight. Returns the frames taken.
   */
  crash(why: string): number {
    const account = this.account;
    if (!account.alive) return 0;
    account.alive = false;
    if (this.states !== null) Atomics.store(this.states, account.index, GuestState.DYING);
    const owners = this.table.owners;
    const ownerId = account.ownerId;
    const freeOwner = this.pool.freeOwner;
    let reclaimed = 0;
    // The whole table, read plainly (an atomic load is a call into V8's runtime, 25 ns a frame: 0.4 s for a
    // 64 GiB host, at every crash): only this device side changes the dead guest's frames, and the exchange
    // that takes each one back checks it again.
    for (let frame = 0; frame < owners.length; frame++) {
      if (owners[frame] === ownerId && this.table.transfer(frame, ownerId, freeOwner)) {
        this.pool.putBack(frame);
        reclaimed++;
      }
    }
    account.ownedFrames -= reclaimed;
    if (this.states !== null) Atomics.store(this.states, account.index, GuestState.RECLAIMED);
    account.balloonPages = 0;
    // Its pages in host swap are gone with it.
    account.hostSwapPages = 0;
    account.activeSampleAsked = [];
    this.grants.drop();
    if (account.pageOutAsked !== null) account.pageOutClosedId = account.pageOutAsked.id;
    account.pageOutAsked = null;
    this.takeInbox();
    this.record('crash', `${why}; ${reclaimed} frames taken back`);
    return reclaimed;
  }

  // ------------------------------------------------------------ handlers

  /** Handles one checked message (quarantine.ts hands some of a quarantined guest's on). */
  handle(message: GuestToHost): void {
    const account = this.account;
    switch (message.type) {
      case 'release':
        handleRelease(this, message);
        return;
      case 'request':
        if (message.purpose === 'swapIn') handleSwapIn(this, message);
        else handleRequest(this, message);
        return;
      case 'distress':
        account.distressMessages++;
        this.record('distress', `${message.reason}: full stall ${(message.fullAvg10 * 100).toFixed(1)}% over 10 s, ${message.availablePages} pages available`);
        this.distress.push({ reason: message.reason, fullAvg10: message.fullAvg10, availablePages: message.availablePages });
        return;
      case 'freePageReport':
        handleFreePageReport(this, message);
        return;
      case 'oomDeflate':
        handleOomDeflate(this, message);
        return;
      case 'activeSample':
        handleActiveSample(this, message);
        return;
      case 'pagedOut':
        handlePagedOut(this, message);
        return;
      case 'hostSwapRelease':
        handleHostSwapRelease(this, message);
        return;
      case 'plug':
        handlePlug(this, message);
        return;
      case 'unplug':
        handleUnplug(this, message);
        return;
      default:
        assertNever(message, 'GuestDevice.handle');
    }
  }

  // ------------------------------------------------------------ shared by the handlers

  sendGrant(request: RequestMessage, runs: Int32Array, short?: RefusalReason, unbackedPages = 0): void {
    this.countGrant(request.purpose, framesInRuns(runs), unbackedPages);
    // Written into the inbox as words: no grant object until the guest takes it.
    this.inbox.pushGrant(request.id, request.purpose, request.pages, runs, unbackedPages, short);
  }

  queueReleaseAck(id: number, acceptedFrames: number, refusedFrames: ArrayLike<number>, invalidFrames: number, acceptedUnbackedPages: number, refusedBecause?: RefusalReason): void {
    // Refused frames travel back to the guest like granted ones.
    this.account.queuedGrantFrames += refusedFrames.length;
    this.inbox.pushReleaseAck(id, acceptedFrames, refusedFrames, invalidFrames, acceptedUnbackedPages, refusedBecause);
  }

  /** Frames a guest gives back outside the balloon (paged out, returned, unplugged): checked and moved to the pool; returns how many were taken. */
  takeBack(frames: Int32Array, what: string): number {
    const account = this.account;
    const { accepted, invalid, invalidBecause } = takeBackFrames(this.table, this.pool, account.ownerId, frames, null, this.returned);
    if (invalid > 0) this.violation(`${what}: ${invalid} of ${frames.length} frames refused (${invalidBecause})`);
    account.ownedFrames -= accepted;
    return accepted;
  }

  queue(message: HostToGuest): void {
    this.inbox.push(message);
    const account = this.account;
    switch (message.type) {
      case 'boot':
        account.queuedGrantFrames += framesInRuns(message.runs);
        return;
      case 'grant':
        this.countGrant(message.purpose, framesInRuns(message.runs), message.unbackedPages);
        return;
      case 'releaseAck':
      case 'reportAck':
        // Refused frames travel back to the guest like granted ones.
        account.queuedGrantFrames += message.refusedFrames.length;
        return;
      case 'plugReply':
        account.queuedPlugPages += message.pages;
        return;
      // Stryker disable next-line ConditionalExpression: equivalent (test/mutation/equivalent.md): nothing follows the switch
      default:
        return;
    }
  }

  /** A grant on its way to the guest: what it brings is counted as in flight until the guest takes its inbox. */
  private countGrant(purpose: GrantPurpose, frames: number, unbackedPages: number): void {
    const account = this.account;
    account.queuedGrantFrames += frames;
    // Deflated pages: the host no longer counts them in the balloon, the guest does until the grant arrives.
    if (purpose === 'deflate') account.queuedBalloonPages += frames + unbackedPages;
    // Swapped-in pages: the host freed their slots, the guest counts them until the grant arrives.
    if (purpose === 'swapIn') account.queuedSwapInFrames += frames;
  }

  violation(detail: string): void {
    const account = this.account;
    account.protocolViolations++;
    this.record('violation', detail);
    if (!account.quarantined && this.quarantineAfter > 0 && account.protocolViolations >= this.quarantineAfter) {
      account.quarantined = true;
      this.record('violation', `quarantined after ${account.protocolViolations} protocol violations: every later message is refused`);
    }
  }

  record(kind: HostEventKind, detail: string): void {
    this.events.push({ kind, detail });
  }

  /** Whether the host pages guests out this tick (plugs are answered busy then). */
  get hostIsPaging(): boolean {
    return this.tick.state === 'hard' || this.tick.state === 'low';
  }
}

/** Open sampling requests a device remembers per guest; past this many the oldest is dropped and a late answer to it is ignored. */
export const ACTIVE_SAMPLE_OPEN_MAX = 64;

