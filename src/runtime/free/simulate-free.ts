/**
 * Free-running mode (DESIGN.md): no tick barrier. Guest workers step their
 * guests as fast as they can (free-guest-loop.ts) and send each round's
 * messages in one packed batch; the host, on this thread, handles every batch
 * the moment it arrives and answers with the messages for that worker's
 * guests. Workers, the host and the frame table really race; an auditor on
 * its own thread checks invariants 1 and 2 all along (audit/concurrent-*.ts),
 * and a full audit runs at the quiescent end.
 *
 * Clocks: each guest's simulated time is its own round count times the
 * tick. The host's clock is the round that every running worker has
 * finished: scenario events, the policy, worker kills and the liveness
 * watch follow it.
 *
 * The result depends on timing: it is not reproducible, and says so in
 * `timing.mode`.
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { AUDIT_CONTROL_SLOTS, AuditControl, type ConcurrentAuditInput, type ConcurrentAuditResult } from '../../audit/concurrent-auditor.js';
import { GuestState } from '../../audit/concurrent-check.js';
import { Auditor } from '../../audit/auditor.js';
import type { CrashRecord } from '../../faults/fault-summary.js';
import { planFaults, type InjectedFaults, type PlannedKill } from '../../faults/fault-plan.js';
import type { LivenessWatch } from '../../faults/liveness.js';
import { GuestSharedViews } from '../../guest/shared-memory.js';
import { Hypervisor, type HypervisorOptions } from '../../host/hypervisor.js';
import type { FreeBatch, FreeInboxes, FreeLoopOptions, GuestInit, GuestReport, WorkerControl } from '../../messages/runtime.js';
import type { Scenario } from '../../scenario/types.js';
import { deriveSeed, Random } from '../../util/random.js';
import { comlinkEndpoint } from '../comlink-endpoint.js';
import { deadGuestReport } from '../dead-report.js';
import { abortErrorOf } from '../abort.js';
import { RunFailure } from '../errors.js';
import { guestInits, livenessWatch, summarizeFaults, workerCount, type RunResult } from '../simulate.js';
import { buildSummary } from '../summary.js';
import { decodeGuestOutboxes, encodeHostInboxes } from '../wire-codec.js';
import { splitEvenly, workerEntryPath } from '../worker-placement.js';
import { FREE_CONTROL_SLOTS, FreeControl } from './free-control.js';
import { Delivery, type DeliveryHook } from './free-delivery.js';
import { describeFreeRun, type FreeRunView } from './free-watchdog.js';
import { watchRun } from '../run-watch.js';

export interface FreeRunOptions {
  /** Overrides the scenario's seed (guests' seeds and random faults; the run itself still depends on timing). */
  seed?: number;
  /** Guest worker threads; default: the machine's available parallelism, at most one per guest. */
  workers?: number;
  /** Instead of `workers`: as many workers as it takes to host at most this many guests each. */
  guestsPerWorker?: number;
  /** Batches a worker may have in flight (default 4; 1 makes every round a synchronous round trip). */
  window?: number;
  /** Ends the run after this much wall time, even if the guests have rounds left. */
  wallLimitMs?: number;
  /** Run the concurrent auditor thread (default true). */
  audit?: boolean;
  /** Decides when each batch is delivered (property tests plug `fc.scheduler` in here). */
  deliver?: DeliveryHook;
  /** Called with (host tick, ticks in all) whenever the host's clock moves (a display throttles it by time). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Fails the run when the host hears no batch for this long (wall time),
   * with a report of where the host and every worker were (default: off).
   */
  stallMs?: number;
  /** Test and benchmark hooks into the host. */
  hypervisor?: HypervisorOptions;
  /** Stops the run once aborted (at once, and checked at every move of the host clock): the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Free-running figures beyond the summary: for benchmarks and the stress script. */
export interface FreeRunResult extends RunResult {
  /** Batches the host handled. */
  batches: number;
  /** Guest messages the host handled (read from the batches, valid or not). */
  messages: number;
  /** Frames that changed owner in the table during the run (after boot). */
  framesMoved: number;
  /** Wall time from the first batch to the last. */
  runSeconds: number;
}

/** One guest worker of a free run. */
interface Slot {
  index: number;
  worker: Worker;
  control: Comlink.Remote<WorkerControl>;
  port: MessagePort;
  guests: number[];
  roundsDone: number;
  finished: boolean;
  dead: boolean;
  /** Wall time (performance.now) of the last batch the host handled from this worker. */
  lastBatchMs: number;
}

const WINDOW_DEFAULT = 4;

/** Runs a scenario in free-running mode on worker threads. */
export async function simulateFree(scenario: Scenario, options: FreeRunOptions = {}): Promise<FreeRunResult> {
  const signal = options.signal;
  if (signal?.aborted === true) throw abortErrorOf(signal, 'simulateFree');
  const run = new FreeRun(scenario, options);
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
  private readonly seed: number;
  private readonly host: Hypervisor;
  private readonly shared: GuestSharedViews[];
  private readonly states: Int32Array;
  private readonly freeControl: Int32Array;
  private readonly auditControl: Int32Array;
  private readonly faults: InjectedFaults | null;
  private readonly liveness: LivenessWatch | null;
  private readonly rounds: number;
  private readonly delivery: Delivery;
  private readonly crashes: CrashRecord[] = [];
  private readonly teardowns: Promise<void>[] = [];
  private readonly kills: PlannedKill[];
  private slots: Slot[] = [];
  private slotOfGuest: Int32Array;
  private auditorWorker: Worker | null = null;
  private auditorResult: Promise<ConcurrentAuditResult> | null = null;
  private hostTick = 0;
  private batches = 0;
  private messages = 0;
  private closed = false;
  private settle: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  private failure: unknown = null;
  private readonly progressEvery: number;
  private nextProgress = 0;
  private readonly workers: number;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: FreeRunOptions,
  ) {
    this.seed = options.seed ?? scenario.seed;
    this.faults = planFaults(scenario, this.seed);
    this.host = new Hypervisor(scenario, options.hypervisor);
    this.shared = this.host.accounts.map((account) => GuestSharedViews.allocate(account.pages));
    this.states = new Int32Array(new SharedArrayBuffer(Math.max(1, scenario.guests.length) * 4));
    // The auditor must stop reading a guest's map before the host takes the frames behind it (concurrent-check.ts, rule 5).
    this.host.onCrash = (index, stage) => Atomics.store(this.states, index, stage === 'reclaiming' ? GuestState.DYING : GuestState.RECLAIMED);
    this.freeControl = new Int32Array(new SharedArrayBuffer(FREE_CONTROL_SLOTS * 4));
    this.auditControl = new Int32Array(new SharedArrayBuffer(AUDIT_CONTROL_SLOTS * 4));
    this.liveness = this.faults !== null ? livenessWatch(this.faults, this.host, scenario) : null;
    this.rounds = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
    this.kills = this.faults?.kills.slice() ?? [];
    this.slotOfGuest = new Int32Array(scenario.guests.length).fill(-1);
    const workers = Math.max(1, Math.min(workerCount(options, scenario.guests.length), scenario.guests.length));
    const faults = this.faults;
    const delays =
      faults !== null && faults.plan.delayFraction > 0
        ? { fraction: faults.plan.delayFraction, turnsMax: faults.plan.delayTurnsMax, random: new Random(deriveSeed(this.seed, 'delays')), active: (worker: number) => (this.slots[worker]?.roundsDone ?? 0) < faults.untilTick }
        : null;
    this.workers = workers;
    this.delivery = new Delivery(workers, delays, options.deliver ?? null, (error) => this.fail(error));
    this.progressEvery = 1;
  }

  async execute(): Promise<FreeRunResult> {
    const started = performance.now();
    const inits = guestInits(this.scenario, this.seed, this.host, this.shared, this.faults);
    if (this.options.audit !== false) this.startAuditor();
    this.host.boot();
    const transfersBefore = this.host.table.transfers;
    const done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const shares = splitEvenly(inits.length, this.workers);
    const entry = workerEntryPath();
    let next = 0;
    const runStarted = performance.now();
    // Every slot exists before any batch can arrive (batches are handled on later turns).
    for (const share of shares) {
      this.startWorker(entry, inits.slice(next, next + share));
      next += share;
    }
    this.beginHostTick(0);
    const limit = this.options.wallLimitMs !== undefined ? setTimeout(() => Atomics.store(this.freeControl, FreeControl.FINISH, 1), this.options.wallLimitMs) : null;
    const unwatch = watchRun(() => describeFreeRun(this.view()));
    const stall = this.options.stallMs !== undefined ? this.watchForStall(this.options.stallMs) : null;
    try {
      await done;
    } finally {
      if (limit !== null) clearTimeout(limit);
      if (stall !== null) clearInterval(stall);
      unwatch();
    }
    const runSeconds = (performance.now() - runStarted) / 1000;
    await Promise.all(this.teardowns);
    const concurrent = await this.stopAuditor();
    const auditor = new Auditor(this.host, this.shared);
    const endMs = this.hostTick * this.scenario.tickMs;
    auditor.full(endMs);
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
      this.seed,
      this.hostTick,
      this.host,
      reports,
      audit,
      {
        mode: 'free',
        placement: 'workers',
        threads: this.slots.length,
        wallSeconds,
        simulatedSecondsPerWallSecond: endMs / 1000 / Math.max(wallSeconds, 1e-9),
      },
      faultSummary,
    );
    return { summary, events: this.host.log, batches: this.batches, messages: this.messages, framesMoved: this.host.table.transfers - transfersBefore, runSeconds };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.auditControl, AuditControl.STOP, 1);
    const stopping: Promise<unknown>[] = this.slots.map(async (slot) => {
      slot.control[Comlink.releaseProxy]();
      slot.port.close();
      await slot.worker.terminate();
    });
    if (this.auditorWorker !== null) stopping.push(this.auditorWorker.terminate());
    await Promise.all(stopping);
  }

  // ------------------------------------------------------------ workers

  /** Starts a worker and its guests' loop; the slot exists when this returns, the loop a little later. */
  private startWorker(entry: string, inits: GuestInit[]): void {
    const index = this.slots.length;
    const worker = new Worker(entry, { workerData: { role: 'guests' } });
    const control = Comlink.wrap<WorkerControl>(comlinkEndpoint(worker));
    const channel = new MessageChannel();
    const slot: Slot = { index, worker, control, port: channel.port1, guests: inits.map((init) => init.index), roundsDone: 0, finished: false, dead: false, lastBatchMs: performance.now() };
    this.slots.push(slot);
    for (const guest of slot.guests) this.slotOfGuest[guest] = index;
    worker.on('error', (error) => {
      if (!slot.dead) this.fail(new RunFailure('WORKER_FAILED', `a worker thread failed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      if (!slot.dead && !this.closed) this.fail(new RunFailure('WORKER_FAILED', `a worker thread exited unexpectedly (code ${code})`));
    });
    channel.port1.on('message', (batch: FreeBatch) => {
      if (slot.dead) return;
      this.delivery.send(index, 'to-host', () => this.handleBatch(slot, batch));
    });
    const options: FreeLoopOptions = { rounds: this.rounds, window: this.options.window ?? WINDOW_DEFAULT, control: this.freeControl.buffer as SharedArrayBuffer };
    const port2 = Comlink.transfer(channel.port2, [channel.port2 as never]);
    // A worker killed while it starts never answers; that is not a failure.
    control.startFree(inits, port2, options).catch((error: unknown) => {
      if (!slot.dead) this.fail(error);
    });
  }

  /** The host's side of one batch: crashes, then every guest's messages in the worker's order, then the answer. */
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
    for (const crash of batch.crashed ?? []) this.crashGuest(crash.guestIndex, 'throw', crash.message);
    const outboxes = decodeGuestOutboxes(batch.outboxes);
    for (let position = 0; position < slot.guests.length; position++) {
      this.messages += outboxes[position]?.length ?? 0;
      this.host.handleOutbox(slot.guests[position]!, outboxes[position] ?? []);
      this.liveness?.observeGuest(slot.guests[position]!, batch.round);
    }
    slot.roundsDone = batch.round + 1;
    if (this.kills.length > 0) {
      this.killWhenDue();
      if (slot.dead) return;
    }
    if (batch.final) slot.finished = true;
    else {
      const inboxes = encodeHostInboxes(slot.guests.map((guest) => this.host.takeInboxOf(guest)));
      this.delivery.send(slot.index, 'to-guests', () => {
        if (!slot.dead && !this.closed) slot.port.postMessage({ type: 'inboxes', inboxes } satisfies FreeInboxes, [inboxes.buffer as ArrayBuffer]);
      });
    }
    this.advanceClock();
    if (this.hostTick >= this.nextProgress) {
      this.nextProgress = this.hostTick + this.progressEvery;
      this.options.onProgress?.(this.hostTick, this.rounds);
    }
    if (this.slots.every((s) => s.finished || s.dead)) this.settle?.resolve();
  }

  /** Moves the host's clock to the round every running worker has finished, applying what falls due. */
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

  /** Fails the run with an AbortError (the signal was aborted). */
  abort(): void {
    if (this.options.signal !== undefined) this.fail(abortErrorOf(this.options.signal, `simulateFree (at host tick ${this.hostTick} of ${this.rounds})`));
  }

  private beginHostTick(tick: number): void {
    if (this.options.signal?.aborted === true) this.abort();
    this.hostTick = tick;
    for (const index of this.host.beginTick(tick)) this.crashGuest(index, 'event', 'scenario event', true);
    this.killWhenDue();
  }

  /**
   * Kills the workers whose time has come: by the host's clock, or by the
   * victim worker's own rounds (a fast worker could otherwise finish its run
   * before the host's clock, which follows the slowest, gets there).
   */
  private killWhenDue(): void {
    for (let i = 0; i < this.kills.length; ) {
      const kill = this.kills[i]!;
      const slot = this.slots[this.slotOfGuest[kill.guestIndex]!];
      const victimTick = Math.max(this.hostTick, slot?.roundsDone ?? 0);
      if (slot !== undefined && kill.atMs <= victimTick * this.scenario.tickMs) {
        this.kills.splice(i, 1);
        this.killWorkerOf(kill.guestIndex);
      } else i++;
    }
  }

  // ------------------------------------------------------------ crashes

  /**
   * A guest died: the host takes its frames back (its onCrash hook marks it
   * DYING first, so the auditor stops reading its map, and RECLAIMED after),
   * and its shared memory is wiped once its actor can no longer write there.
   * `alreadyCrashed`: the host has done its part (a scenario event).
   */
  private crashGuest(index: number, how: CrashRecord['how'], detail: string, alreadyCrashed = false): void {
    const account = this.host.accounts[index]!;
    if (!alreadyCrashed && !account.alive) return;
    if (!alreadyCrashed) this.host.crash(index, how === 'throw' ? `its actor threw: ${detail}` : detail);
    this.crashes.push({ guest: account.name, timeSeconds: (this.hostTick * this.scenario.tickMs) / 1000, how, detail });
    const slot = this.slots[this.slotOfGuest[index]!];
    if (how === 'kill-worker' || slot?.dead === true) return; // wiped once the worker is gone
    if (how === 'throw' || slot === undefined || slot.finished) this.shared[index]!.tearDown();
    else this.teardowns.push(slot.control.stop(index).then(() => this.shared[index]!.tearDown()));
  }

  /** Terminates the worker that hosts a guest, wherever it is in its round; every guest it hosts dies. */
  private killWorkerOf(guestIndex: number): void {
    const slot = this.slots[this.slotOfGuest[guestIndex]!];
    if (slot === undefined || slot.dead || slot.finished) return;
    slot.dead = true;
    const terminated = slot.worker.terminate();
    for (const guest of slot.guests) this.crashGuest(guest, 'kill-worker', `worker ${slot.index} terminated`);
    this.teardowns.push(
      terminated.then(() => {
        for (const guest of slot.guests) this.shared[guest]!.tearDown();
      }),
    );
    this.advanceClock();
    if (this.slots.every((s) => s.finished || s.dead)) this.settle?.resolve();
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
        guests: slot.guests.map((guest) => this.host.accounts[guest]!.name),
        roundsDone: slot.roundsDone,
        state: slot.dead ? 'dead' : slot.finished ? 'finished' : 'running',
        silentMs: now - slot.lastBatchMs,
        toHostWaiting: this.delivery.waiting(slot.index, 'to-host'),
        toGuestsWaiting: this.delivery.waiting(slot.index, 'to-guests'),
      })),
    };
  }

  /** Fails the run once no batch has arrived for `stallMs` of wall time. */
  private watchForStall(stallMs: number): ReturnType<typeof setInterval> {
    if (!(stallMs > 0)) throw new RangeError(`simulateFree: stallMs must be a positive number of milliseconds, got ${stallMs}`);
    const timer = setInterval(() => {
      const view = this.view();
      const running = view.workers.filter((worker) => worker.state === 'running');
      if (running.length > 0 && Math.min(...running.map((worker) => worker.silentMs)) >= stallMs) {
        this.fail(new RunFailure('RUN_STALLED', `free-running run stalled: no batch for ${(stallMs / 1000).toFixed(1)} s\n${describeFreeRun(view)}`));
      }
    }, Math.min(1000, Math.max(10, stallMs / 4)));
    timer.unref();
    return timer;
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.settle?.reject(error);
  }

  // ------------------------------------------------------------ auditor and reports

  private startAuditor(): void {
    const input: ConcurrentAuditInput = {
      table: this.host.table.buffer,
      guests: this.host.accounts.map((account) => ({ name: account.name, frameOf: this.shared[account.index]!.buffers.frameOf, counters: this.shared[account.index]!.buffers.counters })),
      states: this.states.buffer as SharedArrayBuffer,
      control: this.auditControl.buffer as SharedArrayBuffer,
    };
    const worker = new Worker(workerEntryPath(), { workerData: { role: 'auditor', audit: input } });
    this.auditorWorker = worker;
    this.auditorResult = new Promise((resolve, reject) => {
      worker.once('message', (result: ConcurrentAuditResult) => resolve(result));
      worker.once('error', (error) => reject(new RunFailure('AUDITOR_FAILED', `the concurrent auditor failed: ${error.message}`)));
      worker.once('exit', (code) => reject(new RunFailure('AUDITOR_FAILED', `the concurrent auditor exited early (code ${code})`)));
    });
    // A run that fails or is aborted closes the auditor without asking for its result: that is not a second failure.
    this.auditorResult.catch(() => undefined);
  }

  private async stopAuditor(): Promise<ConcurrentAuditResult | null> {
    if (this.auditorResult === null) return null;
    Atomics.store(this.auditControl, AuditControl.STOP, 1);
    return this.auditorResult;
  }

  private async reports(): Promise<GuestReport[]> {
    const reports: GuestReport[] = new Array(this.host.accounts.length);
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
    const account = this.host.accounts[index]!;
    return deadGuestReport(index, account.name, account.targetPages, account.growthKind, this.shared[index]!);
  }

}
