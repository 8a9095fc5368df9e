/**
 * Free-running mode (DESIGN.md): no tick barrier. Guest workers step their
 * guests and device sides as fast as they can (free-guest-loop.ts) and send
 * each round's report in one batch; the coordinator takes each batch the
 * moment it arrives and answers with the memory manager's orders since.
 * Device sides on different workers, the coordinator's recovery of killed
 * workers and the frame table really race; an auditor on its own thread
 * checks invariants 1 and 2 all along (audit/concurrent-*.ts), and a full
 * audit runs at the quiescent end.
 *
 * Clocks: each guest's simulated time is its worker's round count times the
 * tick. The manager's clock is the round that every running worker has
 * finished: scenario events, the policy, worker kills and the liveness
 * watch follow it.
 *
 * The result depends on timing: it is not reproducible, and says so in
 * `timing.mode`.
 */
import { performance } from 'node:perf_hooks';
import { Auditor } from '../../audit/auditor.js';
import { countOwnerValues } from '../../audit/scans.js';
import type { FullAuditPart } from '../../audit/thread-audit.js';
import type { CrashRecord } from '../../faults/fault-summary.js';
import type { InjectedFaults, PlannedKill } from '../../faults/fault-plan.js';
import type { LivenessWatch } from '../../faults/liveness.js';
import { GuestState } from '../../host/device/guest-states.js';
import type { MemoryManager } from '../../host/manager/memory-manager.js';
import type { GuestReport } from '../../messages/runtime.js';
import type { Scenario } from '../../scenario/types.js';
import { deriveSeed, Random } from '../../util/random.js';
import { abortErrorOf } from '../abort.js';
import { deadGuestReport } from '../dead-report.js';
import { RunFailure } from '../errors.js';
import type { ThreadSetup } from '../guest-thread.js';
import { watchRun } from '../run-watch.js';
import { prepareRun, threadSetups, type RunSetup, type RunSetupOptions } from '../run-setup.js';
import { livenessWatch, summarizeFaults, workerCount, type RunResult } from '../simulate.js';
import { buildSummary } from '../summary.js';
import type { FreeBatch, FreeLoopOptions, FreeOrders } from '../thread-protocol.js';
import { workerEntryPath } from '../worker-placement.js';
import { AuditorThread } from './auditor-thread.js';
import { FREE_CONTROL_SLOTS, FreeControl, LEAD_ROUNDS_DEFAULT } from './free-control.js';
import { Delivery, type DeliveryHook } from './free-delivery.js';
import { emptyOrders, mergeOrders } from './free-orders.js';
import { closeFreeWorker, startFreeWorker, type FreeWorker, type FreeWorkerHooks } from './free-worker.js';
import { describeFreeRun, watchForStall, type FreeRunView } from './free-watchdog.js';
import { retireDeadWorker, ShardAttribution } from './worker-recovery.js';

export interface FreeRunOptions {
  /** Overrides the scenario's seed (guests' seeds and random faults; the run itself still depends on timing). */
  seed?: number;
  /** Guest worker threads; default: the machine's available parallelism, at most one per shard. */
  workers?: number;
  /** Instead of `workers`: as many workers as it takes to host at most this many guests each. */
  guestsPerWorker?: number;
  /** Batches a worker may have in flight (default 4; 1 makes every round a synchronous round trip). */
  window?: number;
  /** Rounds a worker may run ahead of the manager's clock (default 4): how late, in the guests' time, the manager's orders may come. */
  leadRounds?: number;
  /** Ends the run after this much wall time, even if the guests have rounds left. */
  wallLimitMs?: number;
  /** Run the concurrent auditor thread (default true). */
  audit?: boolean;
  /** Decides when each batch is delivered (property tests plug `fc.scheduler` in here). */
  deliver?: DeliveryHook;
  /** Called with (host tick, ticks in all) whenever the host's clock moves (a display throttles it by time). */
  onProgress?: (done: number, total: number) => void;
  /** A host policy of your own, instead of the scenario's `host.policy`. */
  policy?: RunSetupOptions['policy'];
  /**
   * Fails the run when the coordinator hears no batch for this long (wall
   * time), with a report of where the manager and every worker were (default: off).
   */
  stallMs?: number;
  /** Stops the run once aborted (at once, and checked at every move of the host clock): the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Free-running figures beyond the summary: for benchmarks and the stress script. */
export interface FreeRunResult extends RunResult {
  /** Batches the coordinator handled. */
  batches: number;
  /** Guest messages the device sides handled (valid or not). */
  messages: number;
  /** Frames that changed owner in the table during the run (after boot): grants and take-backs counted by the device sides. */
  framesMoved: number;
  /** Wall time from the first batch to the last. */
  runSeconds: number;
}

type Slot = FreeWorker;

const WINDOW_DEFAULT = 4;

/** Runs a scenario in free-running mode on worker threads. */
export async function simulateFree(scenario: Scenario, options: FreeRunOptions = {}): Promise<FreeRunResult> {
  const signal = options.signal;
  if (signal?.aborted === true) throw abortErrorOf(signal, 'simulateFree');
  for (const key of ['window', 'leadRounds'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) throw new RangeError(`simulateFree: ${key} must be a positive integer, got ${value}`);
  }
  const setup = await prepareRun(scenario, {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
  });
  const run = new FreeRun(setup, options);
  const onAbort = (): void => run.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run.execute();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await run.close();
  }
}

class FreeRun {
  private readonly scenario: Scenario;
  private readonly manager: MemoryManager;
  private readonly states: Int32Array;
  private readonly freeControl: Int32Array;
  private readonly faults: InjectedFaults | null;
  private readonly liveness: LivenessWatch | null;
  private readonly rounds: number;
  private readonly delivery: Delivery;
  private readonly crashes: CrashRecord[] = [];
  private readonly teardowns: Promise<void>[] = [];
  private readonly kills: PlannedKill[];
  private readonly attribution: ShardAttribution;
  private readonly setups: ThreadSetup[];
  private slots: Slot[] = [];
  private readonly slotOfGuest: Int32Array;
  private readonly auditor = new AuditorThread();
  private hostTick = 0;
  private batches = 0;
  private framesMoved = 0;
  private messages = 0;
  private closed = false;
  private settle: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  private failure: unknown = null;
  private readonly progressEvery: number;
  private nextProgress = 0;

  constructor(
    private readonly setup: RunSetup,
    private readonly options: FreeRunOptions,
  ) {
    const scenario = setup.scenario;
    this.scenario = scenario;
    this.manager = setup.manager;
    this.faults = setup.faults;
    this.states = new Int32Array(new SharedArrayBuffer(Math.max(1, scenario.guests.length) * 4));
    this.freeControl = new Int32Array(new SharedArrayBuffer(FREE_CONTROL_SLOTS * 4));
    this.liveness = this.faults !== null ? livenessWatch(this.faults, this.manager, scenario) : null;
    this.rounds = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
    this.kills = this.faults?.kills.slice() ?? [];
    this.slotOfGuest = new Int32Array(scenario.guests.length).fill(-1);
    const workers = Math.max(1, Math.min(workerCount(options, scenario.guests.length), this.manager.layout.shards));
    this.setups = threadSetups(setup, workers).map((thread) => ({ ...thread, guestStates: this.states.buffer as SharedArrayBuffer }));
    this.attribution = new ShardAttribution(this.manager.layout.shards);
    for (const thread of this.setups) for (const shard of thread.shards) this.attribution.add(shard.shard, shard.untouched);
    const faults = this.faults;
    const delays =
      faults !== null && faults.plan.delayFraction > 0
        ? { fraction: faults.plan.delayFraction, turnsMax: faults.plan.delayTurnsMax, random: new Random(deriveSeed(setup.seed, 'delays')), active: (worker: number) => (this.slots[worker]?.roundsDone ?? 0) < faults.untilTick }
        : null;
    this.delivery = new Delivery(this.setups.length, delays, options.deliver ?? null, (error) => this.fail(error));
    this.progressEvery = 1;
  }

  async execute(): Promise<FreeRunResult> {
    const started = performance.now();
    if (this.options.audit !== false) this.startAuditor();
    const done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const runStarted = performance.now();
    this.startWorkers();
    this.beginHostTick(0);
    const limit = this.options.wallLimitMs !== undefined ? setTimeout(() => this.finishEarly(), this.options.wallLimitMs) : null;
    const unwatch = watchRun(() => describeFreeRun(this.view()));
    const stall = this.options.stallMs !== undefined ? watchForStall(this.options.stallMs, () => this.view(), (error) => this.fail(error)) : null;
    try {
      await done;
    } finally {
      if (limit !== null) clearTimeout(limit);
      if (stall !== null) clearInterval(stall);
      unwatch();
    }
    const runSeconds = (performance.now() - runStarted) / 1000;
    await Promise.all(this.teardowns);
    await this.settleFinished();
    const concurrent = await this.auditor.stop();
    // The last reports are in: the manager's view is the end state.
    this.manager.endTick([]);
    const auditor = new Auditor(this.manager);
    const endMs = this.hostTick * this.scenario.tickMs;
    auditor.full(endMs, await this.finalAuditParts(endMs));
    const audit = auditor.result;
    if (concurrent !== null) {
      audit.concurrent = concurrent;
      audit.checks += concurrent.checks;
      audit.violations += concurrent.violations;
      audit.firstViolations.push(...concurrent.firstViolations.map((line) => `concurrent audit: ${line}`));
    }
    const reports = await this.reports();
    const wallSeconds = (performance.now() - started) / 1000;
    const faultSummary = this.faults !== null && this.liveness !== null ? summarizeFaults(this.faults, this.crashes, this.delivery.delayed, this.liveness) : undefined;
    const summary = buildSummary(
      this.scenario,
      this.setup.seed,
      this.hostTick,
      this.manager,
      reports,
      audit,
      { mode: 'free', placement: 'workers', threads: this.slots.length, wallSeconds, simulatedSecondsPerWallSecond: endMs / 1000 / Math.max(wallSeconds, 1e-9) },
      faultSummary,
    );
    return { summary, events: this.manager.log.entries, batches: this.batches, messages: this.messages, framesMoved: this.framesMoved, runSeconds };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopping: Promise<unknown>[] = this.slots.map(closeFreeWorker);
    stopping.push(this.auditor.close());
    await Promise.all(stopping);
  }

  // ------------------------------------------------------------ workers

  private startWorkers(): void {
    const entry = workerEntryPath();
    const loop: FreeLoopOptions = { rounds: this.rounds, tickMs: this.scenario.tickMs, window: this.options.window ?? WINDOW_DEFAULT, leadRounds: this.options.leadRounds ?? LEAD_ROUNDS_DEFAULT, control: this.freeControl.buffer as SharedArrayBuffer };
    const hooks: FreeWorkerHooks = {
      batch: (slot, batch) => this.delivery.send(slot.index, 'to-host', () => this.handleBatch(slot, batch)),
      fail: (error) => this.fail(error),
      closing: () => this.closed,
    };
    // Every worker's record exists before any batch can arrive (batches are handled on later turns).
    for (const thread of this.setups) {
      const slot = startFreeWorker(this.slots.length, entry, thread, loop, hooks);
      this.slots.push(slot);
      for (const guest of slot.guests) this.slotOfGuest[guest] = slot.index;
    }
  }

  /** The coordinator's side of one batch: the report to the manager, then the orders since, then the clock. */
  private handleBatch(slot: Slot, batch: FreeBatch): void {
    if (slot.dead || this.failure !== null) return;
    try {
      this.handleBatchUnsafe(slot, batch);
    } catch (error) {
      this.fail(error);
    }
  }

  private handleBatchUnsafe(slot: Slot, batch: FreeBatch): void {
    if (batch.type === 'failed') {
      this.fail(new RunFailure(batch.error.code, batch.error.message));
      return;
    }
    this.batches++;
    slot.lastBatchMs = performance.now();
    const report = batch.report;
    this.messages += report.messagesHandled;
    for (const { shard, runs } of report.surrendered) this.attribution.subtract(shard, runs);
    this.framesMoved += report.framesMoved;
    this.manager.endTick([report]);
    for (const crash of batch.crashed) this.crashes.push({ guest: this.manager.records[crash.guestIndex]!.name, timeSeconds: (this.hostTick * this.scenario.tickMs) / 1000, how: 'throw', detail: crash.message });
    for (const guest of slot.guests) this.liveness?.observeGuest(guest, batch.round);
    slot.roundsDone = batch.round + 1;
    if (this.kills.length > 0) {
      this.killWhenDue();
      if (slot.dead) return;
    }
    if (batch.final) slot.finished = true;
    else {
      const orders = slot.pending;
      slot.pending = emptyOrders(orders.state, orders.nowMs, orders.keep);
      this.delivery.send(slot.index, 'to-guests', () => {
        if (!slot.dead && !this.closed) slot.port.postMessage({ type: 'orders', orders } satisfies FreeOrders);
      });
    }
    this.advanceClock();
    if (this.hostTick >= this.nextProgress) {
      this.nextProgress = this.hostTick + this.progressEvery;
      this.options.onProgress?.(this.hostTick, this.rounds);
    }
    if (this.slots.every((s) => s.finished || s.dead)) this.settle?.resolve();
  }

  /** Moves the manager's clock to the round every running worker has finished, applying what falls due. */
  private advanceClock(): void {
    let target = Number.MAX_SAFE_INTEGER;
    let running = 0;
    for (const slot of this.slots) {
      if (slot.finished || slot.dead) continue;
      running++;
      target = Math.min(target, slot.roundsDone);
    }
    if (running === 0) target = Math.max(this.hostTick, ...this.slots.map((slot) => slot.roundsDone));
    while (this.hostTick < target) this.beginHostTick(this.hostTick + 1);
  }

  /** A host tick: the manager decides; its orders wait for each worker's next batch. */
  private beginHostTick(tick: number): void {
    if (this.options.signal?.aborted === true) this.abort();
    this.hostTick = tick;
    // Workers that ran ahead wait on the clock (free-guest-loop.ts).
    Atomics.store(this.freeControl, FreeControl.HOST_TICK, tick);
    Atomics.notify(this.freeControl, FreeControl.HOST_TICK);
    const orders = this.manager.beginTick(tick);
    for (const { guest } of orders.crashes) this.crashes.push({ guest: this.manager.records[guest]!.name, timeSeconds: (tick * this.scenario.tickMs) / 1000, how: 'event', detail: 'scenario event' });
    for (const { shard, runs } of orders.adopt) this.attribution.add(shard, runs);
    for (const slot of this.slots) {
      if (slot.dead) continue;
      const guests = new Set(slot.guests);
      const shards = new Set(slot.shards);
      mergeOrders(slot.pending, {
        ...orders,
        boot: false,
        crashes: orders.crashes.filter((crash) => guests.has(crash.guest)),
        commands: orders.commands.filter((command) => guests.has(command.guest)),
        adopt: orders.adopt.filter((adopt) => shards.has(adopt.shard)),
      });
    }
    this.killWhenDue();
  }

  /**
   * Kills the workers whose time has come: by the manager's clock, or by the
   * victim worker's own rounds (a fast worker could otherwise finish its run
   * before the manager's clock, which follows the slowest, gets there).
   */
  private killWhenDue(): void {
    for (let i = 0; i < this.kills.length; ) {
      const kill = this.kills[i]!;
      const slot = this.slots[this.slotOfGuest[kill.guestIndex]!];
      const victimTick = Math.max(this.hostTick, slot?.roundsDone ?? 0);
      if (slot !== undefined && kill.atMs <= victimTick * this.scenario.tickMs) {
        this.kills.splice(i, 1);
        this.killWorker(slot);
      } else i++;
    }
  }

  /**
   * Terminates a worker wherever it is in its round; every guest it hosts
   * dies, and once the thread is gone the coordinator takes back their
   * frames and its shards' free frames (worker-recovery.ts).
   */
  private killWorker(slot: Slot): void {
    if (slot.dead || slot.finished) return;
    slot.dead = true;
    for (const guest of slot.guests) Atomics.store(this.states, guest, GuestState.DYING);
    const terminated = slot.worker.terminate();
    const atSeconds = (Math.max(this.hostTick, slot.roundsDone) * this.scenario.tickMs) / 1000;
    this.teardowns.push(terminated.then(() => this.recover(slot, atSeconds)));
    this.advanceClock();
    if (this.slots.every((s) => s.finished || s.dead)) this.settle?.resolve();
  }

  private recover(slot: Slot, atSeconds: number): void {
    retireDeadWorker(this.setup, this.states, slot.guests, slot.shards, this.attribution, (guest, taken) => {
      this.manager.log.record(this.manager.nowMs, 'crash', this.manager.records[guest]!.name, `worker ${slot.index} terminated; ${taken} frames taken back`);
      this.crashes.push({ guest: this.manager.records[guest]!.name, timeSeconds: atSeconds, how: 'kill-worker', detail: `worker ${slot.index} terminated` });
    });
  }

  /**
   * Orders the manager gave after a worker's final round never reached it:
   * the worker carries them out now, without a step (crashes, frames for its
   * shards, grants that waited), and its report is taken like a batch's.
   */
  private async settleFinished(): Promise<void> {
    for (const slot of this.slots) {
      if (slot.dead) continue;
      const orders = slot.pending;
      slot.pending = emptyOrders(orders.state, orders.nowMs, orders.keep);
      const report = await slot.control.settle(orders);
      for (const { shard, runs } of report.surrendered) this.attribution.subtract(shard, runs);
      this.framesMoved += report.framesMoved;
      this.messages += report.messagesHandled;
      this.manager.endTick([report]);
    }
  }

  /** Tells every worker to send its final batch as soon as it can (the wall-time limit); waiting workers wake up. */
  private finishEarly(): void {
    Atomics.store(this.freeControl, FreeControl.FINISH, 1);
    Atomics.notify(this.freeControl, FreeControl.HOST_TICK);
  }

  /** Fails the run with an AbortError (the signal was aborted). */
  abort(): void {
    if (this.options.signal !== undefined) this.fail(abortErrorOf(this.options.signal, `simulateFree (at host tick ${this.hostTick} of ${this.rounds})`));
  }

  // ------------------------------------------------------------ watchdog

  /** Where the run is, for a watchdog's report (free-watchdog.ts). */
  private view(): FreeRunView {
    const now = performance.now();
    return {
      scenario: this.scenario.name,
      hostTick: this.hostTick,
      rounds: this.rounds,
      batches: this.batches,
      workers: this.slots.map((slot) => ({
        index: slot.index,
        guests: slot.guests.map((guest) => this.manager.records[guest]!.name),
        roundsDone: slot.roundsDone,
        state: slot.dead ? 'dead' : slot.finished ? 'finished' : 'running',
        silentMs: now - slot.lastBatchMs,
        toHostWaiting: this.delivery.waiting(slot.index, 'to-host'),
        toGuestsWaiting: this.delivery.waiting(slot.index, 'to-guests'),
      })),
    };
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.settle?.reject(error);
  }

  // ------------------------------------------------------------ auditor and reports

  /** The final full audit's parts: each live worker's guests and pools, and the whole table counted here. */
  private async finalAuditParts(endMs: number): Promise<FullAuditPart[]> {
    const live = this.slots.filter((slot) => !slot.dead);
    const parts = (await Promise.all(live.map((slot) => slot.control.audit({ kind: 'full', timeMs: endMs, sliceStart: 0, sliceEnd: 0 })))) as FullAuditPart[];
    const table = this.setup.table;
    const counts = countOwnerValues(table.owners, 0, table.frames, this.scenario.guests.length, this.manager.layout.shards);
    parts.push({ violations: 0, kept: [], ownerCounts: counts.counts, invalid: counts.invalid, invalidFrames: counts.invalidFrames, untouched: [] });
    return parts;
  }

  private startAuditor(): void {
    this.auditor.start({
      table: this.setup.table.buffer,
      guests: this.manager.records.map((record) => ({ name: record.name, frameOf: this.setup.shared[record.index]!.buffers.frameOf, counters: this.setup.shared[record.index]!.buffers.counters })),
      states: this.states.buffer as SharedArrayBuffer,
      shards: this.manager.layout.shards,
    });
  }

  private async reports(): Promise<GuestReport[]> {
    const reports: GuestReport[] = new Array(this.manager.records.length);
    await Promise.all(
      this.slots.map(async (slot) => {
        const list = slot.dead ? slot.guests.map((guest) => this.deadReport(guest)) : await slot.control.reports();
        slot.guests.forEach((guest, position) => {
          reports[guest] = list[position]!;
        });
      }),
    );
    return reports;
  }

  /** What can be said of a guest whose worker was killed: what its shared memory still holds. */
  private deadReport(index: number): GuestReport {
    const record = this.manager.records[index]!;
    return deadGuestReport(index, record.name, record.targetPages, record.growthKind, this.setup.shared[index]!);
  }
}
