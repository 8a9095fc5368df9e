/**
 * One free run on the coordinator (simulate-free.ts says what free-running
 * mode is): its round loop (each worker's batch goes to the memory manager,
 * which answers with its orders since; the manager's clock follows the
 * round every running worker has finished), the workers killed by the fault
 * plan and their recovery, the concurrent auditor, and the end: last orders
 * settled, the final full audit, the reports and the summary.
 */
import { performance } from 'node:perf_hooks';
import { Auditor } from '../../audit/auditor.js';
import { countOwnerValues } from '../../audit/scans.js';
import { tableScanOf } from '../../audit/table-scans.js';
import type { FullAuditPart } from '../../audit/thread-audit.js';
import type { CrashRecord } from '../../faults/fault-summary.js';
import type { InjectedFaults, PlannedKill } from '../../faults/fault-plan.js';
import type { LivenessWatch } from '../../faults/liveness.js';
import type { MemoryManager } from '../../host/manager/memory-manager.js';
import type { GuestReport } from '../../messages/runtime.js';
import type { Scenario } from '../../model/scenario.js';
import { deriveSeed, Random } from '../../util/random.js';
import { abortErrorOf } from '../abort.js';
import { deadGuestReport } from '../dead-report.js';
import { RunFailure } from '../errors.js';
import type { ThreadSetup } from '../guest-thread.js';
import { watchRun } from '../run-watch.js';
import { threadSetups, type RunSetup } from '../run-setup.js';
import { livenessWatch, summarizeFaults, workerCount } from '../simulate.js';
import { buildSummary } from '../summary.js';
import type { FreeBatch, FreeLoopOptions, FreeOrders } from '../thread-protocol.js';
import { AuditorThread } from './auditor-thread.js';
import { FREE_CONTROL_SLOTS, FreeControl, LEAD_ROUNDS_DEFAULT } from '../free-control.js';
import { Delivery } from './free-delivery.js';
import type { FreeWorker } from './free-worker.js';
import { FreeWorkers } from './free-workers.js';
import { describeFreeRun, watchForStall, type FreeRunView } from './free-watchdog.js';
import type { FreeRunOptions, FreeRunResult } from './free-run-types.js';
import { retireDeadWorker, ShardAttribution } from './worker-recovery.js';

/** Batches a worker may have in flight unless the options say otherwise. */
const WINDOW_DEFAULT = 4;

export class FreeRun {
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
  private readonly workers: FreeWorkers;
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
  /** What `execute` sets going beside the workers (timers, the run's registration), stopped when it ends or by `close`. */
  private readonly stopWatches: Array<() => void> = [];

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
    this.workers = new FreeWorkers(scenario.guests.length);
    const workers = Math.max(1, Math.min(workerCount(options, scenario.guests.length), this.manager.layout.shards));
    this.setups = threadSetups(setup, workers).map((thread) => ({ ...thread, guestStates: this.states.buffer as SharedArrayBuffer }));
    this.attribution = new ShardAttribution(this.manager.layout.shards);
    for (const thread of this.setups) for (const shard of thread.shards) this.attribution.add(shard.shard, shard.untouched);
    const faults = this.faults;
    const delays =
      faults !== null && faults.plan.delayFraction > 0
        ? { fraction: faults.plan.delayFraction, turnsMax: faults.plan.delayTurnsMax, random: new Random(deriveSeed(setup.seed, 'delays')), active: (worker: number) => (this.workers.slots[worker]?.roundsDone ?? 0) < faults.untilTick }
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
    // Awaited below; but a run whose policy call was stopped (policy-watch) never gets there, and its failure must not go unhandled.
    done.catch(() => undefined);
    const runStarted = performance.now();
    this.startWorkers();
    this.beginHostTick(0);
    if (this.options.wallLimitMs !== undefined) {
      const limit = setTimeout(() => this.finishEarly(), this.options.wallLimitMs);
      this.stopWatches.push(() => clearTimeout(limit));
    }
    this.stopWatches.push(watchRun(() => describeFreeRun(this.view())));
    if (this.options.stallMs !== undefined) {
      const stall = watchForStall(this.options.stallMs, () => this.view(), (error) => this.fail(error));
      this.stopWatches.push(() => clearInterval(stall));
    }
    try {
      await done;
    } finally {
      this.stopWatching();
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
      { mode: 'free', placement: 'workers', threads: this.workers.slots.length, wallSeconds, simulatedSecondsPerWallSecond: endMs / 1000 / Math.max(wallSeconds, 1e-9) },
      faultSummary,
    );
    return { summary, events: this.manager.log.entries, batches: this.batches, messages: this.messages, framesMoved: this.framesMoved, runSeconds };
  }

  /** Closes the workers and the auditor; also stops the timers of a run whose `execute` never got to its end (a policy call stopped by the watch). */
  async close(): Promise<void> {
    this.stopWatching();
    if (this.closed) return;
    this.closed = true;
    const stopping: Promise<unknown>[] = this.workers.close();
    stopping.push(this.auditor.close());
    await Promise.all(stopping);
  }

  private stopWatching(): void {
    for (const stop of this.stopWatches.splice(0)) stop();
  }

  // ------------------------------------------------------------ workers

  private startWorkers(): void {
    const loop: FreeLoopOptions = { rounds: this.rounds, tickMs: this.scenario.tickMs, window: this.options.window ?? WINDOW_DEFAULT, leadRounds: this.options.leadRounds ?? LEAD_ROUNDS_DEFAULT, control: this.freeControl.buffer as SharedArrayBuffer };
    this.workers.start(this.setups, loop, {
      batch: (slot, batch) => this.delivery.send(slot.index, 'to-host', () => this.handleBatch(slot, batch)),
      fail: (error) => this.fail(error),
      closing: () => this.closed,
    });
  }

  /** The coordinator's side of one batch: the report to the manager, then the orders since, then the clock. */
  private handleBatch(slot: FreeWorker, batch: FreeBatch): void {
    if (slot.dead || this.failure !== null) return;
    try {
      this.handleBatchUnsafe(slot, batch);
    } catch (error) {
      this.fail(error);
    }
  }

  private handleBatchUnsafe(slot: FreeWorker, batch: FreeBatch): void {
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
      const orders = this.workers.takeOrders(slot);
      this.delivery.send(slot.index, 'to-guests', () => {
        if (!slot.dead && !this.closed) slot.port.postMessage({ type: 'orders', orders } satisfies FreeOrders);
      });
    }
    this.advanceClock();
    if (this.hostTick >= this.nextProgress) {
      this.nextProgress = this.hostTick + this.progressEvery;
      this.options.onProgress?.(this.hostTick, this.rounds);
    }
    if (this.workers.allDone) this.settle?.resolve();
  }

  /** Moves the manager's clock to the round every running worker has finished, applying what falls due. */
  private advanceClock(): void {
    const target = this.workers.roundAllFinished(this.hostTick);
    while (this.hostTick < target) this.beginHostTick(this.hostTick + 1);
  }

  /** A host tick: the manager decides; its orders wait for each worker's next batch. */
  private beginHostTick(tick: number): void {
    if (this.options.signal?.aborted === true) this.abort();
    this.hostTick = tick;
    // Workers that ran ahead wait on the clock (../free-guest-loop.ts).
    Atomics.store(this.freeControl, FreeControl.HOST_TICK, tick);
    Atomics.notify(this.freeControl, FreeControl.HOST_TICK);
    const orders = this.manager.beginTick(tick);
    for (const { guest } of orders.crashes) this.crashes.push({ guest: this.manager.records[guest]!.name, timeSeconds: (tick * this.scenario.tickMs) / 1000, how: 'event', detail: 'scenario event' });
    for (const { shard, runs } of orders.adopt) this.attribution.add(shard, runs);
    this.workers.queueOrders(orders);
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
      const slot = this.workers.ofGuest(kill.guestIndex);
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
  private killWorker(slot: FreeWorker): void {
    if (slot.dead || slot.finished) return;
    const terminated = this.workers.terminate(slot, this.states);
    const atSeconds = (Math.max(this.hostTick, slot.roundsDone) * this.scenario.tickMs) / 1000;
    this.teardowns.push(terminated.then(() => this.recover(slot, atSeconds)));
    this.advanceClock();
    if (this.workers.allDone) this.settle?.resolve();
  }

  private recover(slot: FreeWorker, atSeconds: number): void {
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
    await this.workers.settle((report) => {
      for (const { shard, runs } of report.surrendered) this.attribution.subtract(shard, runs);
      this.framesMoved += report.framesMoved;
      this.messages += report.messagesHandled;
      this.manager.endTick([report]);
    });
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
      workers: this.workers.slots.map((slot) => ({
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
    const parts = await this.workers.auditParts(endMs);
    const table = this.setup.table;
    const counts = countOwnerValues(tableScanOf(table.share, table.owners), 0, table.frames, this.scenario.guests.length, this.manager.layout.shards);
    parts.push({ violations: 0, kept: [], ownerCounts: counts.counts, invalid: counts.invalid, invalidFrames: counts.invalidFrames, untouched: [] });
    return parts;
  }

  private startAuditor(): void {
    this.auditor.start({
      table: this.setup.table.share,
      guests: this.manager.records.map((record) => ({ name: record.name, frameOf: this.setup.shared[record.index]!.buffers.frameOf, counters: this.setup.shared[record.index]!.buffers.counters })),
      states: this.states.buffer as SharedArrayBuffer,
      shards: this.manager.layout.shards,
    });
  }

  private reports(): Promise<GuestReport[]> {
    return this.workers.reports((guest) => this.deadReport(guest));
  }

  /** What can be said of a guest whose worker was killed: what its shared memory still holds. */
  private deadReport(index: number): GuestReport {
    const record = this.manager.records[index]!;
    return deadGuestReport(index, record.name, record.targetPages, record.growthKind, this.setup.shared[index]!);
  }
}
