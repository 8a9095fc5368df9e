import type { HostToGuest } from '../../messages/protocol.js';
import type { Scenario, TargetSize } from '../../model/scenario.js';
import { formatBytesApprox } from '../../model/units.js';
import { DeviceSlot, type HostFiguresBuffer } from '../device/device-figures.js';
import type { HostOrders, HostReport, ShardSetup } from '../device/device-group.js';
import { EventLog, type HostEventKind } from '../event-log.js';
import { describeTransferFailure, type FrameTable } from '../frame-table.js';
import { ownerBitsFor } from '../owners.js';
import { ActiveSampling } from './active-sampling.js';
import { backPressure } from './back-pressure.js';
import { FreeMemoryMonitor, isHostPaging, type FreeMemoryState, type StateTicks } from './free-memory-state.js';
import { GuestRecord } from './guest-record.js';
import { DISTRESS_HOLD_MS } from './guest-signals.js';
import { HostSwapSpace, planPageOut } from './host-paging.js';
import { HypervisorReserve } from './hypervisor-reserve.js';
import type { ManagerContext } from './manager-context.js';
import { createPolicy, type PolicyModules } from './policies/index.js';
import type { Policy, PolicyHostView } from '../policy/policy.js';
import type { PolicyCallGate } from '../policy/policy-calls.js';
import { buildPolicyView } from './policy-view.js';
import { applyScenarioEvent } from './scenario-events.js';
import { ShardBalancer } from './shard-balance.js';
import { ShardBoot } from './shard-boot.js';
import { inGuestOrder } from './report-order.js';
import { shardLayout, type ShardLayout } from './shards.js';
import { adminTarget, giveBack, hostReclaim, runPolicy, type AdminTargetOptions, type AdminTargetResult } from './targets.js';

export type { AdminTargetOptions, AdminTargetResult } from './targets.js';
export { BootError } from './shard-boot.js';

export interface ManagerOptions {
  /** The run's root seed, from which policies derive theirs (default: the scenario's). */
  seed?: number;
  /** Replaces the scenario's policy (the library API: a policy of your own). */
  policy?: Policy;
  /** Imported policy modules by absolute path, for `kind: module` policies (see loadPolicyModules). */
  policyModules?: PolicyModules;
  /** Where module policies say that they call into the user's code: the run's watch on calls that never return. */
  policyCalls?: PolicyCallGate;
}

/** The shared memory the manager reads: the device sides' figures and each guest's published signals. */
export interface ManagerMemory {
  table: FrameTable;
  figures: HostFiguresBuffer;
  /** Each guest's signals buffer (messages/guest-signals.ts), by index. */
  signals: ReadonlyArray<SharedArrayBuffer | null>;
}

/**
 * The host's memory manager, on the coordinator (as MOM or ESX's allocator
 * sit above the per-VM devices): targets, the policy, free-memory states,
 * host reclaim and give-back, back-pressure, host-paging and sampling
 * requests, the administrator's guard, scenario events, the hypervisor's
 * reserve, free frames between shards, and the event log. It works on the
 * per-tick summaries the device sides publish and the signals the guests
 * publish, never on single frames (but for the rare moves of its reserve).
 *
 * A tick: `beginTick` decides and returns the orders for the device sides;
 * they step; `endTick` takes their reports (merged in guest order).
 */
export class MemoryManager implements ManagerContext {
  readonly records: GuestRecord[];
  readonly layout: ShardLayout;
  readonly log = new EventLog();
  readonly freeMemory: FreeMemoryMonitor;
  readonly hostSwap: HostSwapSpace;
  readonly balancer: ShardBalancer;
  readonly reserve: HypervisorReserve;
  readonly frameBytes: number;
  readonly frames: number;
  readonly seed: number;
  readonly policyModules: PolicyModules;
  readonly policyCalls: PolicyCallGate | undefined;
  /** Frames the host pages out this tick at most (hard and low states), for tests and reports. */
  hostPagingDemandFrames = 0;
  /** Compare-exchanges that failed anywhere (device sides report theirs), with the first few described. */
  transferFailures = 0;
  readonly transferFailureDetails: string[] = [];
  currentPolicy: Policy;
  policyPaused = false;
  nextPolicyMs = 0;
  nextObserveMs = 0;
  nowMs = 0;
  readonly sampling = new ActiveSampling();
  /** Raises back-pressure gave recently (time and pages), counted against free memory until taken. */
  backPressureGiven: Array<{ atMs: number; pages: number }> = [];
  private commands: HostOrders['commands'] = [];
  private crashes: HostOrders['crashes'] = [];
  private nextEvent = 0;
  private nextHostMessageId = 1;
  private booted = false;
  /** The figures were read when the last tick ended, and nothing has run since. */
  private figuresFresh = false;
  private lastPagedOutTotal = 0;
  private readonly boot: ShardBoot;
  private readonly guestNames: string[];

  constructor(
    readonly scenario: Scenario,
    readonly memory: ManagerMemory,
    options: ManagerOptions = {},
  ) {
    const frameBytes = scenario.frameBytes;
    this.frameBytes = frameBytes;
    this.frames = memory.table.frames;
    const frames = Math.floor(scenario.host.memoryBytes / frameBytes);
    if (this.frames !== frames) throw new RangeError(`MemoryManager: the table has ${this.frames} frames, the host's memory needs ${frames}`);
    this.records = scenario.guests.map((spec, index) => new GuestRecord(index, spec, frameBytes, memory.signals[index] ?? null));
    this.guestNames = this.records.map((record) => record.name);
    this.layout = shardLayout(scenario.guests.length, scenario.host.shards);
    const ownerBits = ownerBitsFor(scenario.guests.length, this.layout.shards);
    if (memory.table.ownerBits < ownerBits) {
      throw new RangeError(`MemoryManager: the table's owners have ${memory.table.ownerBits} bits, ${scenario.guests.length} guests in ${this.layout.shards} shards need ${ownerBits}`);
    }
    this.freeMemory = new FreeMemoryMonitor(frames, scenario.host.freeMemoryStates);
    this.hostSwap = new HostSwapSpace(Math.floor(scenario.host.swapBytes / frameBytes));
    this.balancer = new ShardBalancer(this.layout, memory.figures);
    const reservedWanted = Math.min(frames, Math.ceil(scenario.host.reservedBytes / frameBytes));
    this.reserve = new HypervisorReserve(memory.table, this.balancer.transit, reservedWanted);
    this.seed = options.seed ?? scenario.seed;
    this.policyModules = options.policyModules ?? new Map();
    this.policyCalls = options.policyCalls;
    this.currentPolicy = options.policy ?? createPolicy(scenario.host.policy, { frameBytes, seed: this.seed, modules: this.policyModules, calls: this.policyCalls });
    this.boot = new ShardBoot(this);
  }

  /**
   * How the device sides of each shard start: their guests and their first
   * free frames (each shard's boot frames and a share of the rest). Throws a
   * BootError if the guests cannot boot.
   */
  shardSetups(): ShardSetup[] {
    return this.boot.setups();
  }

  /** The policy in force. */
  get policy(): Policy {
    return this.currentPolicy;
  }

  get freeState(): FreeMemoryState {
    return this.freeMemory.state;
  }

  get stateTicks(): StateTicks {
    return this.freeMemory.stateTicks;
  }

  /** Free frames in every shard's pool and in transit, as of the last tick. */
  get freeFrames(): number {
    return this.balancer.freeFrames;
  }

  /**
   * Free frames the manager's decisions count on: free frames less those
   * owed to grants that wait for this tick's start (GuestRecord.heldFrames).
   */
  get availableFrames(): number {
    let pending = 0;
    for (const record of this.records) pending += record.pendingFrames;
    return Math.max(0, this.freeFrames - pending);
  }

  get reservedFrames(): number {
    return this.reserve.held;
  }

  /**
   * Starts tick `tick`: reads what the device sides published, tracks the
   * free-memory state, applies the scenario events that are due, runs the
   * policy if its period has come, lowers targets in the soft state and
   * below and gives cuts back in the high state, plans host paging and
   * sampling, balances free frames between shards, and returns the orders
   * for the device sides.
   *
   * @param beforeEvents called once the clock and the state are updated, before the events (an administrator's hook)
   */
  beginTick(tick: number, beforeEvents?: () => void): HostOrders {
    this.nowMs = tick * this.scenario.tickMs;
    // The figures read when the last tick ended are still the device sides' (nothing ran since), unless none was read.
    if (!this.figuresFresh) this.readFigures();
    this.figuresFresh = false;
    this.reserve.takeFree();
    const free = this.availableFrames;
    const change = this.freeMemory.update(free);
    if (change !== null) {
      const percent = ((free / this.frames) * 100).toFixed(2);
      this.record('hostState', null, `${change.from} -> ${change.to}: ${formatBytesApprox(free * this.frameBytes)} free (${percent} % of host memory)`);
    }
    beforeEvents?.();
    const events = this.scenario.events;
    while (this.nextEvent < events.length && events[this.nextEvent]!.atMs <= this.nowMs) applyScenarioEvent(this, events[this.nextEvent++]!);
    runPolicy(this);
    hostReclaim(this);
    giveBack(this);
    this.hostPagingDemandFrames = isHostPaging(this.freeState) ? Math.max(0, this.freeMemory.thresholds.softFrames - free) : 0;
    this.pageOut();
    this.startActiveSampling();
    const balance = this.balancer.plan(this.shardWeights(), this.reserve.missing);
    const orders: HostOrders = {
      tick,
      nowMs: this.nowMs,
      state: this.freeState,
      boot: !this.booted,
      crashes: this.crashes,
      commands: this.commands,
      adopt: balance.adopt,
      keep: balance.keep,
    };
    this.booted = true;
    this.crashes = [];
    this.commands = [];
    return orders;
  }

  /**
   * Ends a tick with the device sides' reports (one per thread, merged here
   * in guest order): their events go to the log, frames they surrendered to
   * transit, distress to back-pressure (whose raises go out with the next
   * tick's orders).
   */
  endTick(threadReports: ReadonlyArray<HostReport>): void {
    const reports = threadReports.length > 0 ? [inGuestOrder(threadReports)] : threadReports;
    for (const report of reports) {
      for (const event of report.events) this.log.record(this.nowMs, event.kind, this.records[event.guest]!.name, event.detail);
      for (const { shard, runs } of report.surrendered) this.balancer.surrendered(shard, runs);
      this.transferFailures += report.transferFailures;
      for (const failure of report.transferFailureDetails) {
        if (this.transferFailureDetails.length < 32) this.transferFailureDetails.push(describeTransferFailure(failure, this.guestNames));
      }
    }
    this.readFigures();
    this.figuresFresh = true;
    for (const report of reports) {
      for (const heard of report.distress) {
        const record = this.records[heard.guest]!;
        // A distress after a quiet spell starts an episode (back-pressure words its refusals once per episode).
        const episode = !this.shielded(record);
        record.lastDistressAtMs = this.nowMs;
        record.lastDistressReason = heard.reason;
        backPressure(this, record, episode);
      }
    }
  }

  /**
   * Sets a guest's target as an administrator would (the setTarget event, the
   * library API), through the over-shrink guard (see targets.ts).
   */
  setTargetOf(index: number, target: TargetSize, reason: string, options: AdminTargetOptions = {}): AdminTargetResult {
    const record = this.records[index];
    if (record === undefined) throw new RangeError(`MemoryManager.setTargetOf: no guest ${index}`);
    if ('bytes' in target ? !(Number.isFinite(target.bytes) && target.bytes >= 0) : !(target.percentOfMax > 0 && target.percentOfMax <= 100)) {
      throw new RangeError(`MemoryManager.setTargetOf: a target is a finite size of at least 0 bytes or a percentage in (0, 100], got ${JSON.stringify(target)}`);
    }
    return adminTarget(this, record, target, reason, options);
  }

  /** A guest dies by the scenario's order: its device side takes its frames back in this tick. */
  crash(index: number, why: string): void {
    const record = this.records[index]!;
    if (!record.alive) return;
    record.alive = false;
    this.crashes.push({ guest: index, why });
  }

  /** Switches to another policy (a fresh instance); it decides at once, in this tick. */
  setPolicy(policy: Policy): void {
    const before = this.currentPolicy.name;
    this.currentPolicy = policy;
    this.nextPolicyMs = this.nowMs;
    this.nextObserveMs = this.nowMs;
    this.sampling.restart(this.nowMs);
    this.record('setPolicy', null, `policy ${before} -> ${policy.name}${describeParameters(policy)}`);
  }

  /** Sets a target within [lowest, maxMemory] (lowest: minMemory, or 0 for a forced admin target) and tells the guest. */
  setTarget(record: GuestRecord, pages: number, reason: string, lowest = record.minPages): void {
    const clamped = Math.max(lowest, Math.min(record.pages, Math.floor(pages)));
    if (clamped === record.targetPages) return;
    record.targetPages = clamped;
    this.send(record, { type: 'setTarget', targetPages: clamped });
    const note = clamped !== pages ? ` (asked ${pages}, kept within ${lowest}..${record.pages})` : '';
    this.record('setTarget', record, `${formatBytesApprox(clamped * this.frameBytes)} (${clamped} pages) by ${reason}${note}`);
  }

  /** Queues a message for a guest; it goes out with the next orders. */
  send(record: GuestRecord, message: HostToGuest): void {
    this.commands.push({ guest: record.index, message });
  }

  /** What a policy sees now (see policy-view.ts). */
  policyView(): PolicyHostView {
    return buildPolicyView(
      {
        nowMs: this.nowMs,
        frameBytes: this.frameBytes,
        frames: this.frames,
        reservedFrames: this.reserve.held,
        freeFrames: this.availableFrames,
        state: this.freeState,
        thresholds: this.freeMemory.thresholds,
      },
      this.records,
    );
  }

  /** Whether back-pressure shields the guest from shrinking now: it said it is in distress within the last DISTRESS_HOLD_MS. */
  shielded(record: GuestRecord): boolean {
    if (this.scenario.host.backPressure === false) return false;
    const last = record.lastDistressAtMs;
    return last >= 0 && this.nowMs - last <= DISTRESS_HOLD_MS;
  }

  record(kind: HostEventKind, record: GuestRecord | null, detail: string): void {
    this.log.record(this.nowMs, kind, record?.name ?? null, detail);
  }

  /**
   * Reads every shard's and device's figures; a guest whose device says it died is dead.
   * Shards first: in free-running mode device sides run while the manager reads, and a waiting grant
   * completed between the two reads would otherwise count twice against free memory (in the guest's
   * pending frames, read before, and no longer in the pool, read after).
   */
  private readFigures(): void {
    this.balancer.read();
    let paged = 0;
    let swapIn = 0;
    let used = 0;
    for (const record of this.records) {
      this.memory.figures.readGuest(record.index, record.device);
      if (record.alive && record.device[DeviceSlot.ALIVE] === 0) record.alive = false;
      paged += record.device[DeviceSlot.HOST_PAGED_OUT]!;
      swapIn += record.device[DeviceSlot.HOST_SWAPPED_IN]! + record.device[DeviceSlot.HOST_SWAP_READ]!;
      used += record.device[DeviceSlot.HOST_SWAP]!;
    }
    const space = this.hostSwap;
    if (paged > this.lastPagedOutTotal) space.pagingTicks++;
    this.lastPagedOutTotal = paged;
    space.swapOutPages = paged;
    space.swapInPages = swapIn;
    space.usedPages = used;
  }

  /** Each shard's weight in the balancing of free frames: its live guests' pages. */
  private shardWeights(): Float64Array {
    const weights = new Float64Array(this.layout.shards);
    for (const record of this.records) if (record.alive) weights[this.layout.shardOf[record.index]!]! += record.pages;
    return weights;
  }

  /**
   * Host paging: in the hard and low states, asks guests that hold more than
   * their target to give up pages to host swap. A guest with a pageOut still
   * open is not asked again; what open ones may still give counts against
   * the demand and the swap's free space.
   */
  private pageOut(): void {
    let inFlight = 0;
    for (const record of this.records) if (record.pageOutOpen) inFlight += record.pageOutAskedPages;
    const demand = Math.min(this.hostPagingDemandFrames, this.hostSwap.freePages) - inFlight;
    if (demand <= 0) return;
    const askable = this.records.filter((record) => !record.pageOutOpen);
    const plan = planPageOut(askable, demand, this.hostSwap, this.scenario.tickMs, this.frameBytes);
    for (const { account, pages } of plan) {
      const id = this.nextHostMessageId++;
      account.pageOutSentId = id;
      account.pageOutAskedPages = pages;
      this.send(account, { type: 'pageOut', id, pages });
    }
  }

  /** Starts an active-memory sampling period for every guest when one is due, if the policy samples. */
  private startActiveSampling(): void {
    const settings = this.currentPolicy.activeSampling;
    if (settings === undefined) return;
    for (const request of this.sampling.begin(this.nowMs, this.records, settings)) {
      this.send(this.records[request.guest]!, { type: 'sampleActive', id: request.id, pages: request.pages, periodMs: request.periodMs });
    }
  }
}

/** ` (tau 0.75, samples 100)`, or nothing for a policy without parameters. */
export function describeParameters(policy: Policy): string {
  const entries = Object.entries(policy.parameters ?? {});
  return entries.length === 0 ? '' : ` (${entries.map(([key, value]) => `${key} ${String(value)}`).join(', ')})`;
}
