import { MESSAGES_PER_TICK_MAX } from '../../messages/limits.js';
import { framesInRuns, type FreeMemoryState, type FreePageReportMessage, type GrantPurpose, type GuestToHost, type HostToGuest, type ProtocolVersion, type RefusalReason, type ReleaseMessage, type RequestMessage } from '../../messages/protocol.js';
import { assertNever } from '../../util/assert-never.js';
import type { HostEventKind } from '../event-log.js';
import type { FrameTable } from '../frame-table.js';
import { DeviceAccount, type DeviceInit } from './device-account.js';
import { GuestState } from './guest-states.js';
import { takeBackFrames } from './frame-return.js';
import { RunList } from './frame-runs.js';
import { handleActiveSample, handleHostSwapRelease, handlePagedOut, handlePlug, handleSwapIn, handleUnplug } from './host-memory-handlers.js';
import { checkGuestMessage } from './message-checks.js';
import type { ShardPool } from './shard-pool.js';
import { hostRefusesSinglePage } from './vmware-refusals.js';

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

/** The host's state for one tick, as the memory manager set it. */
export interface DeviceTick {
  nowMs: number;
  state: FreeMemoryState;
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
export class GuestDevice {
  readonly account: DeviceAccount;
  /** The tick being handled (set by `beginTick`). */
  tick: DeviceTick = { nowMs: 0, state: 'high' };
  /** Events of the current tick, taken by `takeEvents`. */
  private events: DeviceEvent[] = [];
  /** Distress heard this tick, taken by `takeDistress`. */
  private distress: DistressHeard[] = [];
  private inbox: HostToGuest[] = [];
  private readonly runs = new RunList();
  /** Requests whose grant waits for frames (the shard's pool ran dry), in the order they came. */
  private pending: Array<{ request: RequestMessage; runs: RunList; allowed: number }> = [];
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
    const runs = this.grant(this.bootFrames);
    this.queue({ type: 'boot', version: HOST_PROTOCOL_VERSION, ownerId: account.ownerId, runs, targetPages: account.targetPages });
    this.record('boot', `${this.lastGrantFrames} frames at boot`);
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
    const inbox = this.inbox;
    this.inbox = [];
    const account = this.account;
    account.queuedGrantFrames = 0;
    account.queuedBalloonPages = 0;
    account.queuedSwapInFrames = 0;
    account.queuedPlugPages = 0;
    // Grants still waiting for frames hold some already: those are still on their way.
    for (const { request, runs } of this.pending) this.inFlight(request.purpose, runs.frames);
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
      const check = checkGuestMessage(messages[i]);
      if (account.quarantined) {
        this.refuseQuarantined(check.ok ? check.message : null);
        continue;
      }
      if (!check.ok) {
        this.violation(`malformed message: ${check.problem}`);
        continue;
      }
      this.handle(check.message);
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
    const freeOwner = this.pool.freeOwner;
    let reclaimed = 0;
    for (let frame = 0; frame < owners.length; frame++) {
      if (Atomics.load(owners, frame) === account.ownerId && this.table.transfer(frame, account.ownerId, freeOwner)) {
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
    this.pending = [];
    if (account.pageOutAsked !== null) account.pageOutClosedId = account.pageOutAsked.id;
    account.pageOutAsked = null;
    this.takeInbox();
    this.record('crash', `${why}; ${reclaimed} frames taken back`);
    return reclaimed;
  }

  // ------------------------------------------------------------ handlers

  private handle(message: GuestToHost): void {
    const account = this.account;
    switch (message.type) {
      case 'release':
        this.handleRelease(message);
        return;
      case 'request':
        if (message.purpose === 'swapIn') handleSwapIn(this, message);
        else this.handleRequest(message);
        return;
      case 'distress':
        account.distressMessages++;
        this.record('distress', `${message.reason}: full stall ${(message.fullAvg10 * 100).toFixed(1)}% over 10 s, ${message.availablePages} pages available`);
        this.distress.push({ reason: message.reason, fullAvg10: message.fullAvg10, availablePages: message.availablePages });
        return;
      case 'freePageReport':
        this.handleFreePageReport(message);
        return;
      case 'oomDeflate':
        // Deflate-on-OOM: the pages left the balloon unbacked; the target stays.
        if (message.pages > account.balloonPages) {
          this.violation(`oomDeflate of ${message.pages} pages, the balloon holds ${account.balloonPages}`);
          return;
        }
        account.balloonPages -= message.pages;
        account.oomDeflatedPages += message.pages;
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

  /**
   * A quarantined guest's message: nothing changes owner. A release is
   * answered with its valid frames handed back (the guest still owns them) and
   * nothing accepted; a request with an empty grant.
   */
  private refuseQuarantined(message: GuestToHost | null): void {
    const account = this.account;
    account.quarantinedMessages++;
    if (message === null) return;
    switch (message.type) {
      case 'request':
        this.sendGrant(message, EMPTY_RUNS, 'quarantined');
        return;
      case 'release':
        this.queue({ type: 'releaseAck', id: message.id, acceptedFrames: 0, acceptedUnbackedPages: 0, refusedBecause: 'quarantined', ...this.handBack(message.frames) });
        return;
      case 'freePageReport':
        this.queue({ type: 'reportAck', id: message.id, acceptedFrames: 0, refusedBecause: 'quarantined', ...this.handBack(message.frames) });
        return;
      case 'plug':
        account.hotplugFailed++;
        this.queue({ type: 'plugReply', id: message.id, pages: 0, status: 'failed' });
        return;
      case 'pagedOut':
      case 'hostSwapRelease':
      case 'unplug':
        // Frames (and host swap slots) given back are still taken, with the usual checks: that only
        // shrinks what the guest holds, and refusing them would leave the host's books on it wrong.
        this.handle(message);
        return;
      case 'distress':
      case 'oomDeflate':
      case 'activeSample':
        // Nothing to answer: what a quarantined guest says is not heard.
        return;
      default:
        assertNever(message, 'GuestDevice.refuseQuarantined');
    }
  }

  /** The frames of a refused message that are the sender's (named once): handed back, the rest counted as invalid. */
  private handBack(frames: Int32Array): { refusedFrames: Int32Array; invalidFrames: number } {
    const refused = new Int32Array(frames.length);
    const kept = new Set<number>();
    const limit = this.table.frames;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame >= 0 && frame < limit && !kept.has(frame) && this.table.ownerOf(frame) === this.account.ownerId) {
        refused[kept.size] = frame;
        kept.add(frame);
      }
    }
    return { refusedFrames: refused.slice(0, kept.size), invalidFrames: frames.length - kept.size };
  }

  /**
   * Inflate: moves every frame that is in range and the sender's to the
   * shard's pool, each by one compare-exchange from the sender to the pool,
   * which is itself the ownership check. Bad frame numbers (out of range,
   * not the sender's, named twice) are counted as violations and left where
   * they were. The frames are read where they arrived, without a copy.
   */
  private handleRelease(message: ReleaseMessage): void {
    const account = this.account;
    // VMware's host may refuse single pages (never those of 2 MiB pages); the guest keeps them.
    const singleFrom = message.largeFrames ?? 0;
    const refuses = account.profile === 'vmware' ? (frame: number, position: number) => position >= singleFrom && hostRefusesSinglePage(frame, message.id) : null;
    const frames = message.frames;
    const { accepted, refused, invalid, invalidBecause: firstReason } = takeBackFrames(this.table, this.pool, account.ownerId, frames, refuses);
    let invalidBecause = firstReason;
    if (invalid > 0) this.violation(`release ${message.id}: ${invalid} of ${frames.length} frames refused (${invalidBecause})`);
    account.ownedFrames -= accepted;
    account.balloonPages += accepted;
    let acceptedUnbacked = message.unbackedPages;
    if (acceptedUnbacked > account.unbackedPages) {
      this.violation(`release ${message.id}: ${acceptedUnbacked} unbacked pages, the guest has ${account.unbackedPages}`);
      acceptedUnbacked = 0;
      invalidBecause ??= 'over-limit';
    }
    account.balloonPages += acceptedUnbacked;
    // Refused pages stay in the guest's balloon until it reads the ack. (Unbacked pages are refused
    // only when the guest claimed more than it has: a lie, not pages in its balloon.)
    account.queuedBalloonPages += refused.length;
    this.queue({
      type: 'releaseAck',
      id: message.id,
      acceptedFrames: accepted,
      refusedFrames: Int32Array.from(refused),
      invalidFrames: invalid,
      acceptedUnbackedPages: acceptedUnbacked,
      ...(invalidBecause !== undefined ? { refusedBecause: invalidBecause } : {}),
    });
  }

  /** Deflate or first touch: grants what the pool can give, up to what the guest is entitled to. */
  private handleRequest(message: RequestMessage): void {
    const account = this.account;
    const entitled = message.purpose === 'deflate' ? account.balloonPages : account.unbackedPages;
    if (message.pages > entitled) {
      this.violation(`request ${message.id}: ${message.pages} pages to ${message.purpose}, entitled to ${entitled}`);
      this.sendGrant(message, EMPTY_RUNS, 'over-limit');
      return;
    }
    if (message.purpose === 'deflate' && !message.withFrames) {
      // The pages leave the balloon unbacked; the guest asks for frames when it touches them.
      account.balloonPages -= message.pages;
      this.sendGrant(message, EMPTY_RUNS, undefined, message.pages);
      return;
    }
    let allowed = message.pages;
    if (message.purpose === 'populate' && this.tick.state === 'low') {
      // The low state blocks guests at or above their target from allocating.
      allowed = Math.min(allowed, Math.max(0, account.targetPages - account.ownedFrames));
      account.lowStateRefusedPages += message.pages - allowed;
    }
    this.grantFor(message, allowed);
  }

  /** Free page reporting: checked like a release; good frames go to the pool, bad ones are violations and stay where they were. */
  private handleFreePageReport(message: FreePageReportMessage): void {
    const account = this.account;
    const frames = message.frames;
    const { accepted, invalid, invalidBecause } = takeBackFrames(this.table, this.pool, account.ownerId, frames, null);
    if (invalid > 0) this.violation(`free page report ${message.id}: ${invalid} of ${frames.length} frames refused (${invalidBecause})`);
    account.ownedFrames -= accepted;
    account.reportedFreeFrames += accepted;
    this.queue({
      type: 'reportAck',
      id: message.id,
      acceptedFrames: accepted,
      refusedFrames: new Int32Array(0),
      invalidFrames: invalid,
      ...(invalidBecause !== undefined ? { refusedBecause: invalidBecause } : {}),
    });
  }

  // ------------------------------------------------------------ shared by the handlers

  /** Takes up to `count` frames from the shard's pool for the guest's boot; returns them as runs. */
  private grant(count: number): Int32Array {
    const list = this.runs;
    list.clear();
    if (count <= 0) return EMPTY_RUNS;
    this.account.ownedFrames += this.pool.grant(this.account.ownerId, count, list);
    return list.toRuns();
  }

  /** Frames in the runs the last boot grant returned. */
  private get lastGrantFrames(): number {
    return this.runs.frames;
  }

  /**
   * Grants up to `allowed` frames for a request (a deflate with frames, a
   * first touch, a swap-in), each by a compare-exchange from the shard's
   * pool. If the pool runs dry, the grant waits: at the start of the next
   * tick the memory manager has moved free frames to the shard (from its
   * transit) and `completePending` grants the rest, so the guest gets its
   * frames when it would have from one pool for the whole host, as long as
   * the host has them.
   */
  grantFor(request: RequestMessage, allowed: number): void {
    const list = this.runs;
    list.clear();
    const given = allowed > 0 ? this.pool.grant(this.account.ownerId, allowed, list) : 0;
    this.granted(request.purpose, given);
    if (given < allowed) {
      const runs = new RunList();
      runs.append(list);
      this.pending.push({ request, runs, allowed });
      this.inFlight(request.purpose, given);
      return;
    }
    this.finishGrant(request, list);
  }

  /** Grants what requests left waiting last tick can have now (in the order they came), and answers them. */
  completePending(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    for (const { request, runs, allowed } of pending) {
      if (!this.account.alive) return;
      // What went out before is counted again, whole, when the grant is queued.
      this.inFlight(request.purpose, -runs.frames);
      const more = allowed - runs.frames;
      this.granted(request.purpose, this.pool.grant(this.account.ownerId, more, runs));
      this.finishGrant(request, runs);
    }
  }

  /** Counts frames granted but not yet delivered (`frames` may be negative). */
  private inFlight(purpose: GrantPurpose, frames: number): void {
    const account = this.account;
    account.queuedGrantFrames += frames;
    // Deflated pages: the host no longer counts them in the balloon, the guest does until the grant arrives.
    if (purpose === 'deflate') account.queuedBalloonPages += frames;
    // Swapped-in pages: the host freed their slots, the guest counts them until the grant arrives.
    if (purpose === 'swapIn') account.queuedSwapInFrames += frames;
  }

  /** The account's side of `given` frames granted for a request of `purpose`. */
  private granted(purpose: GrantPurpose, given: number): void {
    const account = this.account;
    account.ownedFrames += given;
    if (purpose === 'deflate') account.balloonPages -= given;
    else if (purpose === 'swapIn') {
      account.hostSwapPages -= given;
      account.hostSwappedInPages += given;
    }
  }

  private finishGrant(request: RequestMessage, runs: RunList): void {
    const granted = runs.frames;
    if (request.purpose === 'populate') this.account.populateShortPages += request.pages - granted;
    this.sendGrant(request, granted > 0 ? runs.toRuns() : EMPTY_RUNS, granted < request.pages ? 'host-busy' : undefined);
  }

  sendGrant(request: RequestMessage, runs: Int32Array, short?: RefusalReason, unbackedPages = 0): void {
    const purpose: GrantPurpose = request.purpose;
    this.queue({
      type: 'grant',
      id: request.id,
      purpose,
      pagesAsked: request.pages,
      runs,
      unbackedPages,
      ...(short !== undefined ? { shortBecause: short } : {}),
    });
  }

  /** Frames a guest gives back outside the balloon (paged out, returned, unplugged): checked and moved to the pool; returns how many were taken. */
  takeBack(frames: Int32Array, what: string): number {
    const account = this.account;
    const { accepted, invalid, invalidBecause } = takeBackFrames(this.table, this.pool, account.ownerId, frames, null);
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
        this.inFlight(message.purpose, framesInRuns(message.runs));
        if (message.purpose === 'deflate') account.queuedBalloonPages += message.unbackedPages;
        return;
      case 'releaseAck':
      case 'reportAck':
        // Refused frames travel back to the guest like granted ones.
        account.queuedGrantFrames += message.refusedFrames.length;
        return;
      case 'plugReply':
        account.queuedPlugPages += message.pages;
        return;
      default:
        return;
    }
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

const EMPTY_RUNS = new Int32Array(0);
