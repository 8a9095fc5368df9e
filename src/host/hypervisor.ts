import type {
  FreePageReportMessage,
  GrantPurpose,
  HostSwapReleaseMessage,
  PagedOutMessage,
  PlugMessage,
  UnplugMessage,
  GuestToHost,
  HostToGuest,
  ProtocolVersion,
  RefusalReason,
  ReleaseMessage,
  RequestMessage,
} from '../messages/protocol.js';
import type { Scenario, ScenarioEvent, TargetSize } from '../scenario/types.js';
import { formatBytesApprox } from '../scenario/units.js';
import { assertNever } from '../util/assert-never.js';
import { ActiveSampling, takeActiveSample } from './active-sampling.js';
import { FrameTable } from './frame-table.js';
import { DISTRESS_HOLD_MS } from './guest-signals.js';
import { HostSwapSpace, planPageOut } from './host-paging.js';
import { workingSetEstimate } from './working-set.js';
import { FreeMemoryMonitor, isHostPaging, isReclaiming, type FreeMemoryState, type StateTicks } from './free-memory-state.js';
import type { FreePool } from './free-pool.js';
import { takeBackFrames } from './frame-return.js';
import { RangeFreePool } from './range-free-pool.js';
import { unbackedPagesOf, type GuestAccount } from './guest-account.js';
import { hostRefusesSinglePage, noSignalsHeard } from './guest-reports.js';
import { HypervisorReserve } from './hypervisor-reserve.js';
import { checkGuestMessage, MESSAGES_PER_TICK_MAX } from './message-checks.js';
import { OWNER_FREE, ownerIdOfGuest } from './owners.js';
import type { Policy, PolicyHostView } from './policy.js';
import { buildPolicyView } from './policy-view.js';
import { createPolicy, type PolicyModules } from './policies/index.js';
import { reclaimByWeight, shareOut } from './reclaim.js';
import { checkTarget, describeDryRun, predictTarget, type GuardGuest, type GuestFloor, type TargetPrediction } from './target-guard.js';

export const HOST_PROTOCOL_VERSION: ProtocolVersion = 1;

/** Kinds of entries in the host's event log. */
export type HostEventKind =
  | 'boot'
  | 'setTarget'
  | 'crash'
  | 'violation'
  | 'policy'
  /** The over-shrink guard refused an administrator's target. */
  | 'guardRefusal'
  /** An administrator's target looks like a unit mistake (applied or not). */
  | 'guardWarning'
  /** A dry run: what a target would do; nothing changed. */
  | 'dryRun'
  | 'setPolicy'
  | 'pausePolicy'
  | 'resumePolicy'
  | 'setShares'
  | 'setReserved'
  /** The host's free-memory state changed. */
  | 'hostState'
  /** Host reclaim lowered targets to bring free memory back to the high state. */
  | 'reclaim'
  | 'distress'
  /** Back-pressure: a guest in distress had its target raised (or could not have it raised). */
  | 'backPressure'
  /** Host paging: the host paged guest memory out to its swap (hard and low states). */
  | 'hostPaging'
  /** Growth past boot: a hotplug event, a plug request and how the host answered it, an unplug. */
  | 'hotplug';

/** Something the host did or saw, for the run's event log. */
export interface HostEvent {
  timeMs: number;
  kind: HostEventKind;
  guest?: string;
  detail: string;
}

/** Options of an administrator's target (`setTargetOf`, the setTarget event). */
export interface AdminTargetOptions {
  /** Apply it even below the guest's floor. */
  force?: boolean;
  /** Only report what it would do. */
  dryRun?: boolean;
}

/** What became of an administrator's target. */
export interface AdminTargetResult {
  guest: string;
  /**
   * `applied`: the target is set (perhaps kept within the guest's limits);
   * `refused`: below the guest's floor without force; `dryRun`: nothing
   * changed; `dead`: the guest is gone.
   */
  outcome: 'applied' | 'refused' | 'dryRun' | 'dead';
  /** The asked target, in pages (within the guest's memory). */
  askedPages: number;
  /** The guest's target afterwards. */
  targetPages: number;
  floor: GuestFloor | null;
  /** The refusal or the dry run's report, naming the guest, the floor and the asked size. */
  message: string;
  warnings: string[];
  /** For a dry run: the predicted effect. */
  prediction?: TargetPrediction;
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
  /** The run's root seed, from which policies derive theirs (default: the scenario's). */
  seed?: number;
  /** Replaces the scenario's policy (the library API: a policy of your own). */
  policy?: Policy;
  /** Imported policy modules by absolute path, for `kind: module` policies (see loadPolicyModules). */
  policyModules?: PolicyModules;
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
  readonly log: HostEvent[] = [];
  eventsDropped = 0;
  /** The host's free-memory state, updated at the start of every tick. */
  readonly freeMemory: FreeMemoryMonitor;
  /**
   * Frames the host wants to page out behind its guests' backs this tick
   * (hard and low states): what free memory lacks to reach the soft
   * threshold. It pages out at most this many (within its swap's free space
   * and its paging rate), from guests that hold more than their target.
   */
  hostPagingDemandFrames = 0;
  /** The host's swap device (host paging). */
  readonly hostSwap: HostSwapSpace;
  /** Active-memory sampling (ESX), when the policy asks for it. */
  private readonly sampling = new ActiveSampling();
  /**
   * Raises back-pressure gave in the last DISTRESS_HOLD_MS (time and pages):
   * they count against free memory until the guests have had time to take
   * the frames, so that two distressed guests are not promised the same room.
   */
  private backPressureGiven: Array<{ atMs: number; pages: number }> = [];
  private nextHostMessageId = 1;
  private lastPagingMs = -1;
  private currentPolicy: Policy;
  private policyPaused = false;
  private inboxes: HostToGuest[][];
  /** The frames the hypervisor keeps for itself. */
  private readonly reserve: HypervisorReserve;
  private readonly seed: number;
  private readonly policyModules: PolicyModules;
  /**
   * Called when a guest dies, before its frames are taken back ('reclaiming')
   * and after ('reclaimed'). Free-running mode publishes these stages for its
   * concurrent auditor, which must stop reading a guest's map before the
   * host takes the frames behind it.
   */
  onCrash: ((index: number, stage: 'reclaiming' | 'reclaimed') => void) | null = null;
  private nextEvent = 0;
  private nextPolicyMs = 0;
  private nextObserveMs = 0;
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
    const reservedWanted = Math.min(frames, Math.ceil(scenario.host.reservedBytes / frameBytes));
    // The default pool starts as the range above the reserve: nothing to build at boot.
    this.pool = options.pool ?? new RangeFreePool(frames, reservedWanted, frames);
    this.reserve = new HypervisorReserve(this.table, this.pool, reservedWanted);
    // A pool given from outside starts empty; it is filled high to low, so that low frames are handed out first, as from the default pool's range.
    if (options.pool !== undefined) for (let frame = frames - 1; frame >= this.reserve.held; frame--) this.pool.push(frame);
    this.freeMemory = new FreeMemoryMonitor(frames, scenario.host.freeMemoryStates);
    this.accounts = scenario.guests.map((spec, index) => {
      const pages = Math.floor(spec.maxMemoryBytes / frameBytes);
      const bootPages = Math.floor(spec.memoryBytes / frameBytes);
      // Hotplug room is not the guest's memory until plugged; a reserved range is, held by the balloon.
      const growthKind = spec.growth?.kind ?? 'reserved';
      const memoryPages = growthKind === 'reserved' ? pages : bootPages;
      return {
        index,
        name: spec.name,
        ownerId: ownerIdOfGuest(index),
        alive: true,
        pages,
        memoryPages,
        bootPages,
        kernelPages: Math.min(bootPages, Math.ceil(spec.kernelBytes / frameBytes)),
        minPages: Math.floor(spec.minMemoryBytes / frameBytes),
        ownedFrames: 0,
        balloonPages: memoryPages - bootPages,
        targetPages: bootPages,
        queuedGrantFrames: 0,
        lastStatus: null,
        profile: spec.driver.profile,
        shares: spec.shares,
        reclaimedPages: 0,
        guardRefusals: 0,
        lowStateRefusedPages: 0,
        protocolViolations: 0,
        populateShortPages: 0,
        swapPages: Math.floor(spec.swapBytes / frameBytes),
        queuedBalloonPages: 0,
        heard: noSignalsHeard(),
        touchedFraction: null,
        hostile: spec.hostile !== undefined,
        quarantined: false,
        quarantinedMessages: 0,
        activeSample: null,
        activeSampleAsked: [],
        activeSampleDroppedId: 0,
        hostSwapPages: 0,
        pageOutAsked: null,
        hostPagedOutPages: 0,
        hostSwappedInPages: 0,
        hostSwapInAskedPages: 0,
        queuedSwapInFrames: 0,
        hostSwapReturnedFrames: 0,
        growthKind,
        hotplugPages: 0,
        unpluggedPages: 0,
        hotplugBusy: 0,
        hotplugFailed: 0,
        queuedPlugPages: 0,
        adminForced: false,
        backPressurePages: 0,
      };
    });
    this.hostSwap = new HostSwapSpace(Math.floor(scenario.host.swapBytes / frameBytes));
    this.inboxes = this.accounts.map(() => []);
    this.seed = options.seed ?? scenario.seed;
    this.policyModules = options.policyModules ?? new Map();
    this.currentPolicy = options.policy ?? createPolicy(scenario.host.policy, { frameBytes, seed: this.seed, modules: this.policyModules });
    this.quarantineAfter = scenario.host.quarantineAfterViolations ?? 0;
  }

  /** Protocol violations after which a guest is quarantined (0: never). */
  private readonly quarantineAfter: number;

  get frames(): number {
    return this.table.frames;
  }

  /** Bytes per frame (and per guest page). */
  get frameBytes(): number {
    return this.scenario.frameBytes;
  }

  /** The policy in force. */
  get policy(): Policy {
    return this.currentPolicy;
  }

  /** True while a pausePolicy event holds the policy. */
  get policyIsPaused(): boolean {
    return this.policyPaused;
  }

  /** Frames the hypervisor holds for itself. */
  get reservedFrames(): number {
    return this.reserve.held;
  }

  /** The free-memory state of this tick. */
  get freeState(): FreeMemoryState {
    return this.freeMemory.state;
  }

  /** Ticks spent in each free-memory state so far. */
  get stateTicks(): StateTicks {
    return this.freeMemory.stateTicks;
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
   * Starts tick `tick`: tracks the free-memory state, applies the scenario
   * events that are due, runs the policy if its period has come, in the soft
   * state and below lowers targets until free memory will be back at the
   * high threshold, and in the high state gives such cuts back as far as
   * free memory allows. Returns the indexes of guests that crashed (the
   * runtime stops their actors before this tick's step).
   *
   * @param beforeEvents called once the clock and the state are updated, before the events (an administrator's hook)
   */
  beginTick(tick: number, beforeEvents?: () => void): number[] {
    this.nowMs = tick * this.scenario.tickMs;
    this.reserve.takeFree();
    const change = this.freeMemory.update(this.pool.size);
    if (change !== null) {
      const percent = ((this.pool.size / this.frames) * 100).toFixed(2);
      this.record('hostState', null, `${change.from} -> ${change.to}: ${formatBytesApprox(this.pool.size * this.scenario.frameBytes)} free (${percent} % of host memory)`);
    }
    beforeEvents?.();
    const crashed: number[] = [];
    const events = this.scenario.events;
    while (this.nextEvent < events.length && events[this.nextEvent]!.atMs <= this.nowMs) {
      const event = events[this.nextEvent++]!;
      const index = this.applyEvent(event);
      if (index !== null) crashed.push(index);
    }
    this.runPolicy();
    this.reclaim();
    this.giveBack();
    this.hostPagingDemandFrames = isHostPaging(this.freeState) ? Math.max(0, this.freeMemory.thresholds.softFrames - this.pool.size) : 0;
    this.pageOut();
    this.startActiveSampling();
    return crashed;
  }

  /** Messages for each guest since the last call, by guest index. */
  takeInboxes(): HostToGuest[][] {
    const inboxes = this.inboxes;
    this.inboxes = this.accounts.map(() => []);
    for (const account of this.accounts) {
      forgetQueued(account);
    }
    return inboxes;
  }

  /** One guest's messages since the last call (free-running mode takes them guest by guest). */
  takeInboxOf(index: number): HostToGuest[] {
    const account = this.accounts[index];
    if (account === undefined) throw new RangeError(`Hypervisor.takeInboxOf: no guest ${index}`);
    const inbox = this.inboxes[index]!;
    this.inboxes[index] = [];
    forgetQueued(account);
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
    if (message === null) return;
    switch (message.type) {
      case 'request':
        this.sendGrant(account, message, new Int32Array(0), 'quarantined');
        return;
      case 'release':
        this.queue(account, { type: 'releaseAck', id: message.id, acceptedFrames: 0, acceptedUnbackedPages: 0, refusedBecause: 'quarantined', ...this.handBack(account, message.frames) });
        return;
      case 'freePageReport':
        this.queue(account, { type: 'reportAck', id: message.id, acceptedFrames: 0, refusedBecause: 'quarantined', ...this.handBack(account, message.frames) });
        return;
      case 'plug':
        account.hotplugFailed++;
        this.queue(account, { type: 'plugReply', id: message.id, pages: 0, status: 'failed' });
        return;
      case 'pagedOut':
      case 'hostSwapRelease':
      case 'unplug':
        // Frames (and host swap slots) given back are still taken, with the usual checks: that only
        // shrinks what the guest holds, and refusing them would leave the host's books on it wrong.
        this.handle(account, message);
        return;
      case 'status':
      case 'stats':
      case 'pressure':
      case 'distress':
      case 'oomDeflate':
      case 'activeSample':
        // Nothing to answer: what a quarantined guest says is not heard.
        return;
      default:
        assertNever(message, 'Hypervisor.refuseQuarantined');
    }
  }

  /** The frames of a refused message that are the sender's (named once): handed back, the rest counted as invalid. */
  private handBack(account: GuestAccount, frames: Int32Array): { refusedFrames: Int32Array; invalidFrames: number } {
    const refused = new Int32Array(frames.length);
    const kept = new Set<number>();
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame >= 0 && frame < this.frames && !kept.has(frame) && this.table.ownerOf(frame) === account.ownerId) {
        refused[kept.size] = frame;
        kept.add(frame);
      }
    }
    return { refusedFrames: refused.slice(0, kept.size), invalidFrames: frames.length - kept.size };
  }

  /**
   * Sets a guest's target as an administrator would (the setTarget event, the
   * library API). The over-shrink guard refuses a target below the guest's
   * floor (minMemory, the Hyper-V floor for hyperv guests, working set plus
   * kernel memory) unless `force`; a dry run reports what the target would do
   * and changes nothing. Every outcome, and every unit warning, goes to the
   * event log.
   */
  setTargetOf(index: number, target: TargetSize, reason: string, options: AdminTargetOptions = {}): AdminTargetResult {
    const account = this.accounts[index];
    if (account === undefined) throw new RangeError(`Hypervisor.setTargetOf: no guest ${index}`);
    if ('bytes' in target ? !(Number.isFinite(target.bytes) && target.bytes >= 0) : !(target.percentOfMax > 0 && target.percentOfMax <= 100)) {
      throw new RangeError(`Hypervisor.setTargetOf: a target is a finite size of at least 0 bytes or a percentage in (0, 100], got ${JSON.stringify(target)}`);
    }
    return this.adminTarget(account, target, reason, options);
  }

  /** setTargetOf on a checked target. */
  private adminTarget(account: GuestAccount, target: TargetSize, reason: string, options: AdminTargetOptions): AdminTargetResult {
    const frameBytes = this.scenario.frameBytes;
    const askedBytes = 'bytes' in target ? target.bytes : Math.floor((account.pages * target.percentOfMax) / 100) * frameBytes;
    if (!account.alive) {
      const message = `target for ${account.name} ignored: the guest is dead`;
      this.record('setTarget', account, message);
      return { guest: account.name, outcome: 'dead', askedPages: this.targetPagesOf(account, target), targetPages: account.targetPages, floor: null, message, warnings: [] };
    }
    const guest = this.guardGuestOf(account);
    const askedText = 'bytes' in target ? formatBytesApprox(target.bytes) : `${target.percentOfMax}% of maxMemory`;
    const verdict = checkTarget(guest, askedBytes, askedText, !('bytes' in target));
    for (const warning of verdict.warnings) this.record('guardWarning', account, warning);
    const base = { guest: account.name, askedPages: verdict.askedPages, floor: verdict.floor, warnings: verdict.warnings };
    const force = options.force === true;
    if (options.dryRun === true) {
      // The effect of the target as it would be set if applied (forced, when the guard would refuse it).
      const refused = verdict.refusal !== null && !force;
      const prediction = predictTarget(guest, Math.max(force || refused ? 0 : account.minPages, verdict.askedPages));
      const message = describeDryRun(guest, askedText, verdict, prediction, refused);
      this.record('dryRun', account, message);
      return { ...base, outcome: 'dryRun', targetPages: account.targetPages, message, prediction };
    }
    if (verdict.refusal !== null && !force) {
      account.guardRefusals++;
      this.record('guardRefusal', account, verdict.refusal);
      return { ...base, outcome: 'refused', targetPages: account.targetPages, message: verdict.refusal };
    }
    const before = account.targetPages;
    account.reclaimedPages = 0;
    // A target forced below the floor is the administrator's call: back-pressure leaves it alone until another target replaces it.
    account.adminForced = force && verdict.belowFloor;
    this.setTarget(account, verdict.askedPages, `${reason}${force ? ' (forced)' : ''}`, force ? 0 : account.minPages);
    if (account.targetPages === before) this.record('setTarget', account, `${formatBytesApprox(before * frameBytes)} (${before} pages) by ${reason}: already the target`);
    return { ...base, outcome: 'applied', targetPages: account.targetPages, message: '' };
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
    forgetQueued(account);
    // Its pages in host swap are gone with it.
    this.hostSwap.usedPages -= account.hostSwapPages;
    account.hostSwapPages = 0;
    account.activeSampleAsked = [];
    account.pageOutAsked = null;
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
      case 'stats':
        account.heard.stats = message.values.slice();
        account.heard.statsAtMs = this.nowMs;
        account.heard.statsMessages++;
        return;
      case 'pressure': {
        const { type: _type, ...figures } = message;
        account.heard.pressure = figures;
        account.heard.pressureAtMs = this.nowMs;
        return;
      }
      case 'distress': {
        // A distress that comes after a quiet spell starts an episode (back-pressure words its refusals once per episode).
        const episode = !this.shielded(account);
        account.heard.distressMessages++;
        account.heard.lastDistressAtMs = this.nowMs;
        account.heard.lastDistressReason = message.reason;
        this.record('distress', account, `${message.reason}: full stall ${(message.fullAvg10 * 100).toFixed(1)}% over 10 s, ${message.availablePages} pages available`);
        this.backPressure(account, episode);
        return;
      }
      case 'freePageReport':
        this.handleFreePageReport(account, message);
        return;
      case 'oomDeflate':
        // Deflate-on-OOM: the pages left the balloon unbacked; the target stays.
        if (message.pages > account.balloonPages) {
          this.violation(account, `oomDeflate of ${message.pages} pages, the balloon holds ${account.balloonPages}`);
          return;
        }
        account.balloonPages -= message.pages;
        account.heard.oomDeflatedPages += message.pages;
        return;
      case 'activeSample': {
        const problem = takeActiveSample(account, message, this.nowMs);
        if (problem !== null) this.violation(account, problem);
        return;
      }
      case 'pagedOut':
        this.handlePagedOut(account, message);
        return;
      case 'hostSwapRelease':
        this.handleHostSwapRelease(account, message);
        return;
      case 'plug':
        this.handlePlug(account, message);
        return;
      case 'unplug':
        this.handleUnplug(account, message);
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
    // VMware's host may refuse single pages (never those of 2 MiB pages); the guest keeps them.
    const singleFrom = message.largeFrames ?? 0;
    const refuses = account.profile === 'vmware' ? (frame: number, position: number) => position >= singleFrom && hostRefusesSinglePage(frame, message.id) : null;
    const frames = message.frames;
    const { accepted, refused, invalid, invalidBecause: firstReason } = takeBackFrames(this.table, this.pool, account.ownerId, frames, refuses);
    let invalidBecause = firstReason;
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
    // Refused pages stay in the guest's balloon until it reads the ack. (Unbacked pages are refused
    // only when the guest claimed more than it has: a lie, not pages in its balloon.)
    account.queuedBalloonPages += refused.length;
    this.queue(account, {
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
  private handleRequest(account: GuestAccount, message: RequestMessage): void {
    if (message.purpose === 'swapIn') {
      this.handleSwapIn(account, message);
      return;
    }
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
    let allowed = message.pages;
    if (message.purpose === 'populate' && this.freeState === 'low') {
      // The low state blocks guests at or above their target from allocating.
      allowed = Math.min(allowed, Math.max(0, account.targetPages - account.ownedFrames));
      account.lowStateRefusedPages += message.pages - allowed;
    }
    const frames = this.grantFrames(account, allowed);
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
    switch (event.kind) {
      case 'setTarget': {
        // The loader checks targets; one built by hand that is out of range is brought into it.
        const target: TargetSize =
          'bytes' in event.target
            ? { bytes: Number.isFinite(event.target.bytes) ? Math.max(0, event.target.bytes) : 0 }
            : { percentOfMax: Math.min(100, Math.max(0, event.target.percentOfMax)) };
        this.adminTarget(this.accounts[this.indexOf(event.guest)]!, target, 'scenario event', { force: event.force === true, dryRun: event.dryRun === true });
        return null;
      }
      case 'crash': {
        const index = this.indexOf(event.guest);
        if (!this.accounts[index]!.alive) return null;
        this.crash(index, 'scenario event');
        return index;
      }
      case 'setPolicy':
        this.setPolicy(createPolicy(event.policy, { frameBytes: this.scenario.frameBytes, seed: this.seed, modules: this.policyModules }));
        return null;
      case 'pausePolicy':
        this.policyPaused = true;
        this.record('pausePolicy', null, `policy ${this.currentPolicy.name} paused: targets stay until resumePolicy (host reclaim goes on)`);
        return null;
      case 'resumePolicy':
        if (this.policyPaused) this.nextPolicyMs = this.nowMs;
        this.policyPaused = false;
        this.record('resumePolicy', null, `policy ${this.currentPolicy.name} resumed`);
        return null;
      case 'setShares': {
        const account = this.accounts[this.indexOf(event.guest)]!;
        this.record('setShares', account, `shares ${account.shares} -> ${event.shares}`);
        account.shares = event.shares;
        return null;
      }
      case 'setReserved':
        this.setReserve(Math.min(this.frames - 1, Math.ceil(event.bytes / this.scenario.frameBytes)));
        return null;
      case 'hotplug': {
        const account = this.accounts[this.indexOf(event.guest)]!;
        if (!account.alive) return null;
        const before = account.targetPages;
        account.reclaimedPages = 0;
        account.adminForced = false;
        this.setTarget(account, before + Math.floor(event.bytes / this.scenario.frameBytes), 'hotplug event');
        const bytes = (pages: number): string => formatBytesApprox(pages * this.scenario.frameBytes);
        this.record(
          'hotplug',
          account,
          `asked to grow by ${formatBytesApprox(event.bytes)}: target ${bytes(before)} -> ${bytes(account.targetPages)}` +
            (account.growthKind === 'reserved' ? ' (its reserved range deflates)' : ` (its memory is ${bytes(account.memoryPages)}: it asks the host to plug more)`),
        );
        return null;
      }
      case 'resendTarget': {
        // The target is written again, unchanged: the guest's driver hears a write (virtio works only on writes).
        const account = this.accounts[this.indexOf(event.guest)]!;
        if (!account.alive) return null;
        this.queue(account, { type: 'setTarget', targetPages: account.targetPages });
        this.record('setTarget', account, `${formatBytesApprox(account.targetPages * this.scenario.frameBytes)} (${account.targetPages} pages) written again, unchanged, by scenario event`);
        return null;
      }
      default:
        return assertNever(event, 'Hypervisor.applyEvent');
    }
  }

  /**
   * Switches to another policy (a fresh instance); it decides at once, in
   * this tick.
   */
  setPolicy(policy: Policy): void {
    const before = this.currentPolicy.name;
    this.currentPolicy = policy;
    this.nextPolicyMs = this.nowMs;
    this.nextObserveMs = this.nowMs;
    this.sampling.restart(this.nowMs);
    this.record('setPolicy', null, `policy ${before} -> ${policy.name}${describeParameters(policy)}`);
  }

  /**
   * Changes what the hypervisor keeps for itself: it gives frames back to
   * the pool at once, or takes free frames now and the rest as they become
   * free (every tick), which can push the host into a lower free-memory state.
   */
  setReserve(frames: number): void {
    const before = this.reserve.held;
    this.reserve.want(frames);
    const held = this.reserve.held;
    const bytes = (count: number): string => formatBytesApprox(count * this.scenario.frameBytes);
    this.record('setReserved', null, `hypervisor reserve ${bytes(before)} -> ${bytes(frames)}` + (held < frames ? `; ${bytes(frames - held)} still to take as frames become free` : ''));
  }

  private indexOf(name: string): number {
    const index = this.accounts.findIndex((a) => a.name === name);
    if (index < 0) throw new Error(`Hypervisor: event for unknown guest ${name}`);
    return index;
  }

  /** Runs the policy: `observe` on its interval, `decide` when its period has come (unless paused). */
  private runPolicy(): void {
    const policy = this.currentPolicy;
    const due = !this.policyPaused && this.nowMs >= this.nextPolicyMs;
    const observing = policy.observe !== undefined && this.nowMs >= this.nextObserveMs;
    if (!observing && !due) return;
    const view = this.policyView();
    if (observing) {
      this.nextObserveMs = this.nowMs + (policy.observeEveryMs ?? 0);
      policy.observe?.(view);
    }
    if (!due) return;
    this.nextPolicyMs = this.nowMs + policy.periodMs;
    this.applyPolicyTargets(policy.decide(view), `policy ${policy.name}`);
  }

  /**
   * Sets a policy's targets. While the host is short (soft state and below)
   * a policy may move memory between guests but not raise the sum of
   * targets: raises are scaled down to what its cuts free.
   */
  private applyPolicyTargets(targets: ReadonlyMap<number, number>, reason: string): void {
    const changes: Array<{ account: GuestAccount; pages: number }> = [];
    let raises = 0;
    let cuts = 0;
    for (const [index, asked] of targets) {
      const account = this.accounts[index];
      if (account === undefined || !account.alive || !Number.isFinite(asked)) continue;
      const pages = Math.max(account.minPages, Math.min(account.pages, Math.floor(asked)));
      // Back-pressure: a guest in distress is not shrunk.
      if (pages < account.targetPages && this.shielded(account)) continue;
      if (pages > account.targetPages) raises += pages - account.targetPages;
      else cuts += account.targetPages - pages;
      changes.push({ account, pages });
    }
    const scale = isReclaiming(this.freeState) && raises > cuts ? cuts / raises : 1;
    for (const { account, pages } of changes) {
      const limited = pages > account.targetPages && scale < 1 ? account.targetPages + Math.floor((pages - account.targetPages) * scale) : pages;
      account.reclaimedPages = 0;
      account.adminForced = false;
      this.setTarget(account, limited, scale < 1 && limited !== pages ? `${reason}, raise limited while the host is ${this.freeState}` : reason);
    }
  }

  /**
   * Host reclaim, in the soft state and below: frames needed to bring free
   * memory back to the high threshold, beyond those the guests' balloons
   * already owe (frames held above their targets), are revoked by the
   * policy's `reclaim` or, without one, by shares.
   */
  private reclaim(): void {
    const state = this.freeState;
    if (!isReclaiming(state)) return;
    let owed = 0;
    for (const account of this.accounts) if (account.alive) owed += Math.max(0, account.ownedFrames - account.targetPages);
    const needed = this.freeMemory.thresholds.highFrames - this.pool.size - owed;
    if (needed <= 0) return;
    const full = this.policyView();
    // Back-pressure: guests in distress are not shrunk; reclaim sees them at their floor.
    const view = { ...full, guests: full.guests.map((guest) => (this.shielded(this.accounts[guest.index]!) ? { ...guest, floorPages: Math.max(guest.floorPages, guest.targetPages) } : guest)) };
    const targets = this.currentPolicy.reclaim?.(view, needed) ?? reclaimByWeight(view, needed);
    let lowered = 0;
    let guests = 0;
    for (const [index, pages] of targets) {
      const account = this.accounts[index];
      if (account === undefined || !account.alive || !(pages < account.targetPages) || this.shielded(account)) continue;
      const before = account.targetPages;
      this.setTarget(account, pages, `host reclaim (${state})`);
      if (account.targetPages < before) {
        lowered += before - account.targetPages;
        account.reclaimedPages += before - account.targetPages;
        guests++;
      }
    }
    if (guests > 0) {
      const bytes = (frames: number): string => formatBytesApprox(frames * this.scenario.frameBytes);
      let owedAfter = 0;
      for (const account of this.accounts) if (account.alive) owedAfter += Math.max(0, account.ownedFrames - account.targetPages);
      this.record(
        'reclaim',
        null,
        `${state}: ${bytes(this.pool.size)} free and ${bytes(owed)} owed by balloons, ${bytes(needed)} short of the high threshold; ` +
          `lowered ${guests} target${guests === 1 ? '' : 's'} (by ${bytes(lowered)} in all): the balloons now owe ${bytes(owedAfter)}`,
      );
    }
  }

  /**
   * In the high state, gives back what host reclaim took, as far as free
   * memory above the high threshold allows, by shares. Without this a
   * policy that never raises targets (static) would keep every cut forever.
   * Reclaim below `soft` and give-back above `high` keep free memory between
   * the two when demand exceeds the host.
   */
  private giveBack(): void {
    if (this.freeState !== 'high') return;
    const room = this.pool.size - this.freeMemory.thresholds.highFrames;
    if (room <= 0) return;
    const owed = this.accounts.filter((account) => account.alive && account.reclaimedPages > 0);
    if (owed.length === 0) return;
    const shares = shareOut(
      room,
      owed.map((account) => ({ weight: account.shares, minPages: 0, maxPages: account.reclaimedPages })),
    );
    let given = 0;
    owed.forEach((account, i) => {
      const pages = shares[i]!;
      if (pages <= 0) return;
      const before = account.targetPages;
      this.setTarget(account, before + pages, 'host give-back (high)');
      account.reclaimedPages = Math.max(0, account.reclaimedPages - (account.targetPages - before));
      given += account.targetPages - before;
    });
    if (given > 0) {
      const bytes = (frames: number): string => formatBytesApprox(frames * this.scenario.frameBytes);
      this.record('reclaim', null, `high: ${bytes(this.pool.size)} free; gave back ${bytes(given)} of what reclaim took`);
    }
  }

  private guardGuestOf(account: GuestAccount): GuardGuest {
    return {
      name: account.name,
      profile: account.profile,
      frameBytes: this.scenario.frameBytes,
      memoryPages: account.memoryPages,
      maxPages: account.pages,
      minPages: account.minPages,
      kernelPages: account.kernelPages,
      targetPages: account.targetPages,
      balloonPages: account.balloonPages,
      residentPages: account.ownedFrames,
      workingSetPages: account.lastStatus === null && account.heard.stats === null && account.heard.pressure === null ? null : workingSetEstimate(account, this.scenario.frameBytes).pages,
      freePages: account.lastStatus?.freePages ?? null,
    };
  }

  private targetPagesOf(account: GuestAccount, target: TargetSize): number {
    if ('bytes' in target) return Math.floor(target.bytes / this.scenario.frameBytes);
    return Math.floor((account.pages * target.percentOfMax) / 100);
  }

  /**
   * Sets a target within [lowest, maxMemory] (lowest: minMemory, or 0 for a
   * forced admin target) and tells the guest. A target above the guest's
   * memory makes a hotplug guest ask to plug more.
   */
  private setTarget(account: GuestAccount, pages: number, reason: string, lowest = account.minPages): void {
    const clamped = Math.max(lowest, Math.min(account.pages, Math.floor(pages)));
    if (clamped === account.targetPages) return;
    account.targetPages = clamped;
    this.queue(account, { type: 'setTarget', targetPages: clamped });
    const note = clamped !== pages ? ` (asked ${pages}, kept within ${lowest}..${account.pages})` : '';
    this.record('setTarget', account, `${formatBytesApprox(clamped * this.scenario.frameBytes)} (${clamped} pages) by ${reason}${note}`);
  }

  /** What a policy sees now (see policy-view.ts). */
  policyView(): PolicyHostView {
    return buildPolicyView(
      {
        nowMs: this.nowMs,
        frameBytes: this.scenario.frameBytes,
        frames: this.frames,
        reservedFrames: this.reserve.held,
        freeFrames: this.pool.size,
        state: this.freeState,
        thresholds: this.freeMemory.thresholds,
      },
      this.accounts,
    );
  }

  private queue(account: GuestAccount, message: HostToGuest): void {
    this.inboxes[account.index]!.push(message);
    if (message.type === 'grant' || message.type === 'boot') account.queuedGrantFrames += message.frames.length;
    // Refused frames travel back to the guest like granted ones.
    if (message.type === 'releaseAck' || message.type === 'reportAck') account.queuedGrantFrames += message.refusedFrames.length;
    // Deflated pages: the host no longer counts them in the balloon, the guest does until the grant arrives.
    if (message.type === 'grant' && message.purpose === 'deflate') account.queuedBalloonPages += message.frames.length + message.unbackedPages;
    // Swapped-in pages: the host freed their slots, the guest counts them until the grant arrives.
    if (message.type === 'grant' && message.purpose === 'swapIn') account.queuedSwapInFrames += message.frames.length;
    if (message.type === 'plugReply') account.queuedPlugPages += message.pages;
  }

  /**
   * Free page reporting: frames the guest gives back without ballooning the
   * pages. Checked like a release (in range, the sender's, named once); good
   * frames go to the pool, bad ones are violations and stay where they were.
   */
  private handleFreePageReport(account: GuestAccount, message: FreePageReportMessage): void {
    const frames = message.frames;
    const { accepted, invalid, invalidBecause } = takeBackFrames(this.table, this.pool, account.ownerId, frames, null);
    if (invalid > 0) this.violation(account, `free page report ${message.id}: ${invalid} of ${frames.length} frames refused (${invalidBecause})`);
    account.ownedFrames -= accepted;
    account.heard.reportedFreeFrames += accepted;
    this.queue(account, {
      type: 'reportAck',
      id: message.id,
      acceptedFrames: accepted,
      refusedFrames: new Int32Array(0),
      invalidFrames: invalid,
      ...(invalidBecause !== undefined ? { refusedBecause: invalidBecause } : {}),
    });
  }

  // ---------------------------------------------------------------- host memory management (issue 4, part 2)

  /** Whether back-pressure shields the guest from shrinking now: it said it is in distress within the last DISTRESS_HOLD_MS. */
  private shielded(account: GuestAccount): boolean {
    if (this.scenario.host.backPressure === false) return false;
    const last = account.heard.lastDistressAtMs;
    return last >= 0 && this.nowMs - last <= DISTRESS_HOLD_MS;
  }

  /**
   * Back-pressure: a guest in distress gets memory back, within the host's
   * means: its target rises toward its maximum as far as free memory above
   * the soft threshold allows (less what back-pressure gave in the last few
   * seconds, not taken yet); its balloon deflates, or a hotplug guest plugs
   * more. While it
   * stays in distress no policy or host reclaim shrinks it (see `shielded`).
   * A target the administrator forced below the floor is left alone.
   */
  private backPressure(account: GuestAccount, episode: boolean): void {
    if (this.scenario.host.backPressure === false || !account.alive) return;
    const bytes = (pages: number): string => formatBytesApprox(pages * this.scenario.frameBytes);
    if (account.adminForced) {
      if (episode) this.record('backPressure', account, `in distress; its target ${bytes(account.targetPages)} was forced by the administrator, so it stays`);
      return;
    }
    this.backPressureGiven = this.backPressureGiven.filter((raise) => this.nowMs - raise.atMs < DISTRESS_HOLD_MS);
    const promised = this.backPressureGiven.reduce((sum, raise) => sum + raise.pages, 0);
    const room = Math.max(0, this.pool.size - this.freeMemory.thresholds.softFrames - promised);
    const wanted = account.pages - account.targetPages;
    if (wanted <= 0) return;
    const raise = Math.min(room, wanted);
    if (raise <= 0) {
      if (episode) this.record('backPressure', account, `in distress, but the host has no memory above its soft threshold to give (${bytes(this.pool.size)} free); it is not shrunk while the distress lasts`);
      return;
    }
    const before = account.targetPages;
    this.setTarget(account, before + raise, 'back-pressure');
    const given = account.targetPages - before;
    this.backPressureGiven.push({ atMs: this.nowMs, pages: given });
    account.backPressurePages += given;
    account.reclaimedPages = Math.max(0, account.reclaimedPages - given);
    this.record('backPressure', account, `in distress: target ${bytes(before)} -> ${bytes(account.targetPages)} (+${bytes(given)}${given < wanted ? `, all the host could spare above its soft threshold` : ''})`);
  }

  /**
   * Host paging: in the hard and low states, asks guests that hold more than
   * their target to give up pages to host swap. A `pageOut` stays open until
   * the guest answers it (in lockstep, within the tick; free-running, maybe
   * later): a guest with one open is not asked again, and the pages it may
   * still give count against the demand and the swap's free space.
   */
  private pageOut(): void {
    let inFlight = 0;
    for (const account of this.accounts) inFlight += account.pageOutAsked?.pages ?? 0;
    const demand = Math.min(this.hostPagingDemandFrames, this.hostSwap.freePages) - inFlight;
    if (demand <= 0) return;
    const askable = this.accounts.filter((account) => account.pageOutAsked === null);
    const plan = planPageOut(askable, demand, this.hostSwap, this.scenario.tickMs, this.scenario.frameBytes);
    for (const { account, pages } of plan) {
      const id = this.nextHostMessageId++;
      account.pageOutAsked = { id, pages };
      this.queue(account, { type: 'pageOut', id, pages });
    }
  }

  /** Starts an active-memory sampling period for every guest when one is due, if the policy samples (esx, or a module policy that asks). */
  private startActiveSampling(): void {
    const settings = this.currentPolicy.activeSampling;
    if (settings === undefined) return;
    for (const request of this.sampling.begin(this.nowMs, this.accounts, settings)) {
      this.queue(request.account, { type: 'sampleActive', id: request.id, pages: request.pages, periodMs: request.periodMs });
    }
  }

  /**
   * Frames a guest gives back outside the balloon (paged out, returned,
   * unplugged): each is checked (in range, the sender's, named once) and
   * moved to the pool with a compare-exchange; bad ones are counted as
   * violations and left where they were. Returns how many were taken.
   */
  private takeBack(account: GuestAccount, frames: Int32Array, what: string): number {
    const { accepted, invalid, invalidBecause } = takeBackFrames(this.table, this.pool, account.ownerId, frames, null);
    if (invalid > 0) this.violation(account, `${what}: ${invalid} of ${frames.length} frames refused (${invalidBecause})`);
    account.ownedFrames -= accepted;
    return accepted;
  }

  /** The frames behind the pages a `pageOut` took: to the pool; their contents now fill host swap slots. */
  private handlePagedOut(account: GuestAccount, message: PagedOutMessage): void {
    const asked = account.pageOutAsked;
    if (asked === null || asked.id !== message.id || message.frames.length > asked.pages) {
      this.violation(account, `pagedOut ${message.id} of ${message.frames.length} frames answers no pageOut${asked !== null ? ` (open: ${asked.id}, ${asked.pages} pages)` : ''}`);
      return;
    }
    account.pageOutAsked = null;
    const accepted = this.takeBack(account, message.frames, `pagedOut ${message.id}`);
    account.hostSwapPages += accepted;
    account.hostPagedOutPages += accepted;
    this.hostSwap.usedPages += accepted;
    this.hostSwap.swapOutPages += accepted;
    if (accepted > 0) {
      if (this.lastPagingMs !== this.nowMs) this.hostSwap.pagingTicks++;
      this.lastPagingMs = this.nowMs;
      const bytes = (pages: number): string => formatBytesApprox(pages * this.scenario.frameBytes);
      this.record('hostPaging', account, `${this.freeState}: paged out ${bytes(accepted)} behind its back; host swap ${bytes(this.hostSwap.usedPages)} of ${bytes(this.hostSwap.capacityPages)} used`);
    }
  }

  /** Swap-in: frames for paged-out pages the guest touched (a host swap fault), as far as the pool and the low state allow. */
  private handleSwapIn(account: GuestAccount, message: RequestMessage): void {
    account.hostSwapInAskedPages += message.pages;
    if (message.pages > account.hostSwapPages) {
      this.violation(account, `request ${message.id}: ${message.pages} pages to swap in, ${account.hostSwapPages} are in host swap`);
      this.sendGrant(account, message, new Int32Array(0), 'over-limit');
      return;
    }
    let allowed = Math.min(message.pages, unbackedPagesOf(account));
    // The low state blocks guests at or above their target.
    if (this.freeState === 'low') allowed = Math.min(allowed, Math.max(0, account.targetPages - account.ownedFrames));
    const frames = this.grantFrames(account, allowed);
    account.hostSwapPages -= frames.length;
    account.hostSwappedInPages += frames.length;
    this.hostSwap.usedPages -= frames.length;
    this.hostSwap.swapInPages += frames.length;
    this.sendGrant(account, message, frames, frames.length < message.pages ? 'host-busy' : undefined);
  }

  /** Host swap the guest no longer needs: slots discarded or read (double paging), frames given back. */
  private handleHostSwapRelease(account: GuestAccount, message: HostSwapReleaseMessage): void {
    const freed = message.discardedPages + message.readPages;
    const returnable = account.hostSwappedInPages - account.hostSwapReturnedFrames;
    if (freed > account.hostSwapPages || message.frames.length > returnable) {
      this.violation(account, `hostSwapRelease of ${freed} slots and ${message.frames.length} frames, the guest holds ${account.hostSwapPages} slots and was granted ${returnable} swap-in frames it has not given back`);
      return;
    }
    account.hostSwapPages -= freed;
    this.hostSwap.usedPages -= freed;
    this.hostSwap.swapInPages += message.readPages;
    if (message.frames.length > 0) account.hostSwapReturnedFrames += this.takeBack(account, message.frames, 'hostSwapRelease');
  }

  /**
   * A plug request (hotplug, virtio-mem): refused for good when the host
   * does not hot-add (`host.hotplug: false`), busy in the hard and low states
   * (the host is short of memory), otherwise granted up to the guest's
   * maxMemory.
   */
  private handlePlug(account: GuestAccount, message: PlugMessage): void {
    const room = account.pages - account.memoryPages;
    const bytes = (pages: number): string => formatBytesApprox(pages * this.scenario.frameBytes);
    if (account.growthKind === 'reserved' || message.pages > room) {
      this.violation(account, `plug ${message.id} of ${message.pages} pages, the guest has ${account.growthKind === 'reserved' ? 'no hotplug room' : `${room} pages of hotplug room`}`);
      this.queue(account, { type: 'plugReply', id: message.id, pages: 0, status: 'failed' });
      account.hotplugFailed++;
      return;
    }
    if (this.scenario.host.hotplug === false) {
      account.hotplugFailed++;
      this.record('hotplug', account, `plug of ${bytes(message.pages)} refused: the host does not hot-add memory (host.hotplug: false); the guest's growth failed for good`);
      this.queue(account, { type: 'plugReply', id: message.id, pages: 0, status: 'failed' });
      return;
    }
    if (isHostPaging(this.freeState)) {
      account.hotplugBusy++;
      this.record('hotplug', account, `plug of ${bytes(message.pages)} answered busy: the host is in the ${this.freeState} state; the guest will ask again`);
      this.queue(account, { type: 'plugReply', id: message.id, pages: 0, status: 'busy' });
      return;
    }
    account.memoryPages += message.pages;
    account.hotplugPages += message.pages;
    this.record('hotplug', account, `plugged ${bytes(message.pages)} (${account.growthKind}): its memory is ${bytes(account.memoryPages)} of ${bytes(account.pages)} once online`);
    this.queue(account, { type: 'plugReply', id: message.id, pages: message.pages, status: 'ok' });
  }

  /** virtio-mem unplug: free pages left the guest's memory; their frames come back. */
  private handleUnplug(account: GuestAccount, message: UnplugMessage): void {
    const pages = message.frames.length + message.unbackedPages;
    const plugged = account.memoryPages - account.bootPages;
    if (account.growthKind !== 'virtio-mem' || pages > plugged || message.unbackedPages > unbackedPagesOf(account)) {
      this.violation(account, `unplug ${message.id} of ${pages} pages (${message.unbackedPages} unbacked), the guest has ${plugged} plugged pages and ${unbackedPagesOf(account)} unbacked`);
      return;
    }
    const accepted = this.takeBack(account, message.frames, `unplug ${message.id}`);
    account.memoryPages -= accepted + message.unbackedPages;
    account.unpluggedPages += accepted + message.unbackedPages;
    const bytes = (count: number): string => formatBytesApprox(count * this.scenario.frameBytes);
    this.record('hotplug', account, `unplugged ${bytes(accepted + message.unbackedPages)}: its memory is ${bytes(account.memoryPages)}`);
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

/** ` (tau 0.75, samples 100)`, or nothing for a policy without parameters. */
function describeParameters(policy: Policy): string {
  const entries = Object.entries(policy.parameters ?? {});
  return entries.length === 0 ? '' : ` (${entries.map(([key, value]) => `${key} ${String(value)}`).join(', ')})`;
}

/** The guest's inbox was handed over (or dropped): nothing is in flight to it any more. */
function forgetQueued(account: GuestAccount): void {
  account.queuedGrantFrames = 0;
  account.queuedBalloonPages = 0;
  account.queuedSwapInFrames = 0;
  account.queuedPlugPages = 0;
}
