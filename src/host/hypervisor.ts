import type {
  GrantPurpose,
  GuestToHost,
  HostToGuest,
  ProtocolVersion,
  RefusalReason,
  ReleaseMessage,
  RequestMessage,
} from '../messages/protocol.js';
import type { Scenario, ScenarioEvent, TargetSize } from '../scenario/types.js';
import { assertNever } from '../util/assert-never.js';
import { FrameTable } from './frame-table.js';
import type { FreePool } from './free-pool.js';
import { RangeFreePool } from './range-free-pool.js';
import { unbackedPagesOf, type GuestAccount } from './guest-account.js';
import { checkGuestMessage, MESSAGES_PER_TICK_MAX } from './message-checks.js';
import { OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest } from './owners.js';
import type { Policy, PolicyHostView } from './policy.js';
import { createPolicy } from './policies/index.js';

export const HOST_PROTOCOL_VERSION: ProtocolVersion = 1;

/** Something the host did or saw, for the run's event log. */
export interface HostEvent {
  timeMs: number;
  kind: 'boot' | 'setTarget' | 'crash' | 'violation' | 'policy';
  guest?: string;
  detail: string;
}

/** The event log keeps at most this many entries (and counts the rest). */
const EVENT_LOG_MAX = 100_000;

/** Thrown when a scenario cannot even boot (an input problem, not a simulator failure). */
export class BootError extends Error {
  override name = 'BootError';
}

export interface HypervisorOptions {
  /** Replaces the free-pool strategy (benchmarks, and tests that break the host on purpose). */
  pool?: FreePool;
  /** Replaces the frame table; it must have as many frames as the host's memory (tests that break the host on purpose). */
  table?: FrameTable;
}

/**
 * The hypervisor actor. It owns the frame ownership table and the free pool,
 * boots guests, keeps their targets (scenario events and a policy), and
 * answers their messages. It trusts nothing a guest says: every frame number
 * is checked (in range, owned by the sender, named once) before the table
 * changes, and every change of owner is a compare-exchange.
 *
 * Lockstep use, once per tick: `beginTick` (events and policy), `takeInboxes`
 * (messages for the guests), then `handleOutbox` for each guest in index
 * order, which makes a run a function of the scenario and the seed alone.
 */
export class Hypervisor {
  readonly table: FrameTable;
  readonly pool: FreePool;
  readonly accounts: GuestAccount[];
  readonly policy: Policy;
  readonly reservedFrames: number;
  readonly log: HostEvent[] = [];
  eventsDropped = 0;
  /**
   * Called when a guest dies, before its frames are taken back ('reclaiming')
   * and after ('reclaimed'). Free-running mode publishes these stages for its
   * concurrent auditor, which must stop reading a guest's map before the
   * host takes the frames behind it.
   */
  onCrash: ((index: number, stage: 'reclaiming' | 'reclaimed') => void) | null = null;
  private inboxes: HostToGuest[][];
  private nextEvent = 0;
  private nextPolicyMs = 0;
  private nowMs = 0;

  constructor(
    private readonly scenario: Scenario,
    options: HypervisorOptions = {},
  ) {
    const frameBytes = scenario.frameBytes;
    const frames = Math.floor(scenario.host.memoryBytes / frameBytes);
    this.table = options.table ?? new FrameTable(frames);
    if (this.table.frames !== frames) {
      throw new RangeError(`Hypervisor: the table has ${this.table.frames} frames, the host's memory needs ${frames}`);
    }
    this.reservedFrames = Math.min(frames, Math.ceil(scenario.host.reservedBytes / frameBytes));
    this.pool = options.pool ?? new RangeFreePool(frames, this.reservedFrames, frames);
    for (let frame = 0; frame < this.reservedFrames; frame++) {
      this.table.transfer(frame, OWNER_FREE, OWNER_HYPERVISOR);
    }
    // A pool given from outside starts empty; it is filled high to low, so that low frames are handed out first, as from the default pool's range.
    if (options.pool !== undefined) for (let frame = frames - 1; frame >= this.reservedFrames; frame--) this.pool.push(frame);
    this.accounts = scenario.guests.map((spec, index) => {
      const pages = Math.floor(spec.maxMemoryBytes / frameBytes);
      const bootPages = Math.floor(spec.memoryBytes / frameBytes);
      return {
        index,
        name: spec.name,
        ownerId: ownerIdOfGuest(index),
        alive: true,
        pages,
        memoryPages: pages,
        bootPages,
        kernelPages: Math.min(bootPages, Math.ceil(spec.kernelBytes / frameBytes)),
        minPages: Math.floor(spec.minMemoryBytes / frameBytes),
        ownedFrames: 0,
        balloonPages: pages - bootPages,
        targetPages: bootPages,
        queuedGrantFrames: 0,
        lastStatus: null,
        protocolViolations: 0,
        populateShortPages: 0,
        quarantined: false,
        quarantinedMessages: 0,
      };
    });
    this.inboxes = this.accounts.map(() => []);
    this.policy = createPolicy(scenario.host.policy);
    this.quarantineAfter = scenario.host.quarantineAfterViolations ?? 0;
  }

  /** Protocol violations after which a guest is quarantined (0: never). */
  private readonly quarantineAfter: number;

  get frames(): number {
    return this.table.frames;
  }

  /** Protocol violations over all guests. */
  get protocolViolations(): number {
    return this.accounts.reduce((sum, account) => sum + account.protocolViolations, 0);
  }

  /**
   * Grants every guest its boot frames (its kernel with lazy backing, all of
   * boot memory with eager backing) and queues its boot message.
   */
  boot(): void {
    const eager = this.scenario.host.backing === 'eager';
    const needed = this.accounts.reduce((sum, a) => sum + (eager ? a.bootPages : a.kernelPages), 0);
    if (needed > this.pool.size) {
      throw new BootError(
        `the host cannot boot its guests: they need ${needed} frames at boot (${eager ? 'eager backing: all boot memory' : 'their kernels'}), ` +
          `but only ${this.pool.size} of ${this.frames} frames are free after the hypervisor's reserve. ` +
          `Raise host.memory, lower host.reserved or the guests' memory${eager ? ', or use backing: lazy' : ''}.`,
      );
    }
    for (const account of this.accounts) {
      const frames = this.grantFrames(account, eager ? account.bootPages : account.kernelPages);
      this.queue(account, {
        type: 'boot',
        version: HOST_PROTOCOL_VERSION,
        ownerId: account.ownerId,
        frames,
        targetPages: account.targetPages,
      });
      this.record('boot', account, `${frames.length} frames at boot`);
    }
  }

  /**
   * Starts tick `tick`: applies the scenario events that are due and runs the
   * policy if its period has come. Returns the indexes of guests that crashed
   * (the runtime stops their actors before this tick's step).
   */
  beginTick(tick: number): number[] {
    this.nowMs = tick * this.scenario.tickMs;
    const crashed: number[] = [];
    const events = this.scenario.events;
    while (this.nextEvent < events.length && events[this.nextEvent]!.atMs <= this.nowMs) {
      const event = events[this.nextEvent++]!;
      const index = this.applyEvent(event);
      if (index !== null) crashed.push(index);
    }
    if (this.nowMs >= this.nextPolicyMs) {
      this.nextPolicyMs = this.nowMs + this.policy.periodMs;
      for (const [index, pages] of this.policy.decide(this.policyView())) {
        const account = this.accounts[index];
        if (account !== undefined && account.alive) this.setTarget(account, pages, `policy ${this.policy.name}`);
      }
    }
    return crashed;
  }

  /** Messages for each guest since the last call, by guest index. */
  takeInboxes(): HostToGuest[][] {
    const inboxes = this.inboxes;
    this.inboxes = this.accounts.map(() => []);
    for (const account of this.accounts) account.queuedGrantFrames = 0;
    return inboxes;
  }

  /** One guest's messages since the last call (free-running mode takes them guest by guest). */
  takeInboxOf(index: number): HostToGuest[] {
    const account = this.accounts[index];
    if (account === undefined) throw new RangeError(`Hypervisor.takeInboxOf: no guest ${index}`);
    const inbox = this.inboxes[index]!;
    this.inboxes[index] = [];
    account.queuedGrantFrames = 0;
    return inbox;
  }

  /**
   * Handles one guest's messages of this tick, in the order it sent them. At
   * most MESSAGES_PER_TICK_MAX are looked at; the rest of a flood is refused
   * unread (one violation). A quarantined guest's messages are all refused.
   */
  handleOutbox(index: number, messages: ReadonlyArray<unknown>): void {
    const account = this.accounts[index];
    if (account === undefined) throw new RangeError(`Hypervisor.handleOutbox: no guest ${index}`);
    if (!account.alive) return;
    const count = Math.min(messages.length, MESSAGES_PER_TICK_MAX);
    for (let i = 0; i < count; i++) {
      const check = checkGuestMessage(messages[i]);
      if (account.quarantined) {
        this.refuseQuarantined(account, check.ok ? check.message : null);
        continue;
      }
      if (!check.ok) {
        this.violation(account, `malformed message: ${check.problem}`);
        continue;
      }
      this.handle(account, check.message);
    }
    if (messages.length > count) {
      this.violation(account, `flood: ${messages.length} messages in one tick, at most ${MESSAGES_PER_TICK_MAX} are read; the rest were dropped unread`);
    }
  }

  /**
   * A quarantined guest's message: nothing changes owner. A release is
   * answered with its valid frames handed back (the guest still owns them) and
   * nothing accepted; a request with an empty grant.
   */
  private refuseQuarantined(account: GuestAccount, message: GuestToHost | null): void {
    account.quarantinedMessages++;
    if (message === null || message.type === 'status') return;
    if (message.type === 'request') {
      this.sendGrant(account, message, new Int32Array(0), 'quarantined');
      return;
    }
    const frames = message.frames;
    const refused = new Int32Array(frames.length);
    const kept = new Set<number>();
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame >= 0 && frame < this.frames && !kept.has(frame) && this.table.ownerOf(frame) === account.ownerId) {
        refused[kept.size] = frame;
        kept.add(frame);
      }
    }
    this.queue(account, {
      type: 'releaseAck',
      id: message.id,
      acceptedFrames: 0,
      refusedFrames: refused.slice(0, kept.size),
      invalidFrames: frames.length - kept.size,
      acceptedUnbackedPages: 0,
      refusedBecause: 'quarantined',
    });
  }

  /**
   * Sets a guest's target from outside (an administrator, the library API).
   * Returns false, and changes nothing, if the guest is dead.
   */
  setTargetOf(index: number, target: TargetSize, reason: string): boolean {
    const account = this.accounts[index];
    if (account === undefined) throw new RangeError(`Hypervisor.setTargetOf: no guest ${index}`);
    if ('bytes' in target ? !(Number.isFinite(target.bytes) && target.bytes >= 0) : !(target.percentOfMax > 0 && target.percentOfMax <= 100)) {
      throw new RangeError(`Hypervisor.setTargetOf: a target is a finite size of at least 0 bytes or a percentage in (0, 100], got ${JSON.stringify(target)}`);
    }
    if (!account.alive) return false;
    this.setTarget(account, this.targetPagesOf(account, target), reason);
    return true;
  }

  /**
   * A guest died: the host takes back every frame it owned (found by scanning
   * the table, which is the truth, not the guest's own map) and forgets its
   * queued messages.
   */
  crash(index: number, why: string): void {
    const account = this.accounts[index];
    if (account === undefined) throw new RangeError(`Hypervisor.crash: no guest ${index}`);
    if (!account.alive) return;
    account.alive = false;
    this.onCrash?.(index, 'reclaiming');
    const owners = this.table.owners;
    let reclaimed = 0;
    for (let frame = 0; frame < owners.length; frame++) {
      if (Atomics.load(owners, frame) === account.ownerId && this.table.transfer(frame, account.ownerId, OWNER_FREE)) {
        this.pool.push(frame);
        reclaimed++;
      }
    }
    account.ownedFrames -= reclaimed;
    account.balloonPages = 0;
    account.queuedGrantFrames = 0;
    this.inboxes[index] = [];
    this.record('crash', account, `${why}; ${reclaimed} frames taken back`);
    this.onCrash?.(index, 'reclaimed');
  }

  private handle(account: GuestAccount, message: GuestToHost): void {
    switch (message.type) {
      case 'release':
        this.handleRelease(account, message);
        return;
      case 'request':
        this.handleRequest(account, message);
        return;
      case 'status':
        account.lastStatus = message;
        return;
      default:
        assertNever(message, 'Hypervisor.handle');
    }
  }

  /**
   * Inflate: moves every frame that is in range and the sender's to the pool,
   * each by one compare-exchange from the sender to free, which is itself the
   * ownership check (the table changes only if the sender owned the frame).
   * Bad frame numbers (out of range, not the sender's, named twice) are
   * counted as violations and left where they were.
   *
   * The frames are read where they arrived, without a copy: they are a
   * transferred buffer (worker placements) or the calling thread's own array
   * (inline), so nothing can change them while the host reads them.
   */
  private handleRelease(account: GuestAccount, message: ReleaseMessage): void {
    const frames = message.frames;
    const limit = this.frames;
    const ownerId = account.ownerId;
    const table = this.table;
    const pool = this.pool;
    let accepted = 0;
    let i = 0;
    // The fast path, while every frame is good.
    for (; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame < 0 || frame >= limit || !table.tryTransfer(frame, ownerId, OWNER_FREE)) break;
      pool.push(frame);
      accepted++;
    }
    let invalid = 0;
    let invalidBecause: RefusalReason | undefined;
    if (i < frames.length) {
      // A bad frame: from here on, remember what this release has given back, to tell a repeated frame from one that is not the sender's.
      const released = new Set<number>(frames.subarray(0, i));
      for (; i < frames.length; i++) {
        const frame = frames[i]!;
        let reason: RefusalReason;
        if (frame < 0 || frame >= limit) reason = 'out-of-range';
        else if (released.has(frame)) reason = 'repeated';
        else if (table.tryTransfer(frame, ownerId, OWNER_FREE)) {
          pool.push(frame);
          released.add(frame);
          accepted++;
          continue;
        } else reason = 'not-owned';
        invalid++;
        invalidBecause ??= reason;
      }
    }
    if (invalid > 0) this.violation(account, `release ${message.id}: ${invalid} of ${frames.length} frames refused (${invalidBecause})`);
    account.ownedFrames -= accepted;
    account.balloonPages += accepted;
    let acceptedUnbacked = message.unbackedPages;
    if (acceptedUnbacked > unbackedPagesOf(account)) {
      this.violation(account, `release ${message.id}: ${acceptedUnbacked} unbacked pages, the guest has ${unbackedPagesOf(account)}`);
      acceptedUnbacked = 0;
      invalidBecause ??= 'over-limit';
    }
    account.balloonPages += acceptedUnbacked;
    this.queue(account, {
      type: 'releaseAck',
      id: message.id,
      acceptedFrames: accepted,
      refusedFrames: new Int32Array(0),
      invalidFrames: invalid,
      acceptedUnbackedPages: acceptedUnbacked,
      ...(invalidBecause !== undefined ? { refusedBecause: invalidBecause } : {}),
    });
  }

  /** Deflate or first touch: grants what the pool can give, up to what the guest is entitled to. */
  private handleRequest(account: GuestAccount, message: RequestMessage): void {
    const entitled = message.purpose === 'deflate' ? account.balloonPages : unbackedPagesOf(account);
    if (message.pages > entitled) {
      this.violation(account, `request ${message.id}: ${message.pages} pages to ${message.purpose}, entitled to ${entitled}`);
      this.sendGrant(account, message, new Int32Array(0), 'over-limit');
      return;
    }
    if (message.purpose === 'deflate' && !message.withFrames) {
      // The pages leave the balloon unbacked; the guest asks for frames when it touches them.
      account.balloonPages -= message.pages;
      this.sendGrant(account, message, new Int32Array(0), undefined, message.pages);
      return;
    }
    const frames = this.grantFrames(account, message.pages);
    if (message.purpose === 'deflate') account.balloonPages -= frames.length;
    else account.populateShortPages += message.pages - frames.length;
    this.sendGrant(account, message, frames, frames.length < message.pages ? 'host-busy' : undefined);
  }

  private sendGrant(account: GuestAccount, request: RequestMessage, frames: Int32Array, short?: RefusalReason, unbackedPages = 0): void {
    const purpose: GrantPurpose = request.purpose;
    this.queue(account, {
      type: 'grant',
      id: request.id,
      purpose,
      pagesAsked: request.pages,
      frames,
      unbackedPages,
      ...(short !== undefined ? { shortBecause: short } : {}),
    });
  }

  /** Takes up to `count` frames from the pool and gives them to a guest, one compare-exchange each. */
  private grantFrames(account: GuestAccount, count: number): Int32Array {
    const wanted = Math.min(count, this.pool.size);
    const frames = new Int32Array(wanted);
    let granted = 0;
    while (granted < wanted) {
      const frame = this.pool.pop();
      if (frame < 0) break;
      if (this.table.transfer(frame, OWNER_FREE, account.ownerId)) {
        frames[granted++] = frame;
      }
      // A failed transfer means the pool held a frame that is not free: the
      // table has counted the violation; the frame stays with its owner.
    }
    account.ownedFrames += granted;
    return granted === wanted ? frames : frames.slice(0, granted);
  }

  private applyEvent(event: ScenarioEvent): number | null {
    const index = this.accounts.findIndex((a) => a.name === event.guest);
    const account = this.accounts[index];
    if (account === undefined) throw new Error(`Hypervisor: event for unknown guest ${event.guest}`);
    switch (event.kind) {
      case 'setTarget':
        if (account.alive) this.setTarget(account, this.targetPagesOf(account, event.target), 'scenario event');
        return null;
      case 'crash':
        if (!account.alive) return null;
        this.crash(index, 'scenario event');
        return index;
      default:
        return assertNever(event, 'Hypervisor.applyEvent');
    }
  }

  private targetPagesOf(account: GuestAccount, target: TargetSize): number {
    if ('bytes' in target) return Math.floor(target.bytes / this.scenario.frameBytes);
    return Math.floor((account.pages * target.percentOfMax) / 100);
  }

  private setTarget(account: GuestAccount, pages: number, reason: string): void {
    const clamped = Math.max(account.minPages, Math.min(account.memoryPages, Math.floor(pages)));
    if (clamped === account.targetPages) return;
    account.targetPages = clamped;
    this.queue(account, { type: 'setTarget', targetPages: clamped });
    const note = clamped !== pages ? ` (asked ${pages}, kept within ${account.minPages}..${account.memoryPages})` : '';
    this.record('setTarget', account, `${clamped} pages by ${reason}${note}`);
  }

  private policyView(): PolicyHostView {
    return {
      nowMs: this.nowMs,
      frames: this.frames,
      freeFrames: this.pool.size,
      guests: this.accounts.map((a) => ({
        index: a.index,
        name: a.name,
        alive: a.alive,
        memoryPages: a.memoryPages,
        minPages: a.minPages,
        targetPages: a.targetPages,
        ownedFrames: a.ownedFrames,
        balloonPages: a.balloonPages,
        lastStatus: a.lastStatus,
      })),
    };
  }

  private queue(account: GuestAccount, message: HostToGuest): void {
    this.inboxes[account.index]!.push(message);
    if (message.type === 'grant' || message.type === 'boot') account.queuedGrantFrames += message.frames.length;
    // Frames handed back by a refusal are the guest's and on their way to it, like granted ones.
    else if (message.type === 'releaseAck') account.queuedGrantFrames += message.refusedFrames.length;
  }

  private violation(account: GuestAccount, detail: string): void {
    account.protocolViolations++;
    this.record('violation', account, detail);
    if (!account.quarantined && this.quarantineAfter > 0 && account.protocolViolations >= this.quarantineAfter) {
      account.quarantined = true;
      this.record('violation', account, `quarantined after ${account.protocolViolations} protocol violations: every later message is refused`);
    }
  }

  private record(kind: HostEvent['kind'], account: GuestAccount | null, detail: string): void {
    if (this.log.length >= EVENT_LOG_MAX) {
      this.eventsDropped++;
      return;
    }
    this.log.push({ timeMs: this.nowMs, kind, ...(account !== null ? { guest: account.name } : {}), detail });
  }
}
