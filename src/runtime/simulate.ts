import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Auditor } from '../audit/auditor.js';
import type { AuditFindings, FullAuditPart } from '../audit/thread-audit.js';
import type { CrashRecord, FaultSummary } from '../faults/fault-summary.js';
import { tickOf, type InjectedFaults } from '../faults/fault-plan.js';
import { LivenessWatch } from '../faults/liveness.js';
import type { HostEvent } from '../host/event-log.js';
import type { MemoryManager } from '../host/manager/memory-manager.js';
import type { Policy } from '../host/policy/policy.js';
import type { Scenario } from '../model/scenario.js';
import { adminControlOf, type AdminControl } from './admin-control.js';
import { abortCheckpoint, throwIfAborted } from './abort.js';
import { RunFailure } from './errors.js';
import type { AuditRequest } from './guest-thread.js';
import { watchRun } from './run-watch.js';
import { watchPolicyCalls, type WatchedRun } from './policy-watch/policy-watch.js';
import { InlinePlacement } from './inline-placement.js';
import type { GuestPlacement, PlacementKind } from './placement.js';
import { prepareRun, tableSlices, threadSetups, type RunSetupOptions } from './run-setup.js';
import { sampleGuests, type Sample } from './sample.js';
import { buildSummary, type RunSummary } from './summary.js';
import { WorkerPlacement } from './worker-placement.js';

export interface SimulateOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Where guest actors run; default `workers`. */
  placement?: PlacementKind;
  /** Worker threads for the `workers` placement; default: the machine's available parallelism, at most one per shard. */
  workers?: number;
  /** Instead of `workers`: as many workers as it takes to host at most this many guests each. */
  guestsPerWorker?: number;
  /** Full audit every this many ticks (0: only at the end); default scales with the size of the run. */
  auditEveryTicks?: number;
  /** Called with (ticks done, ticks in all) after every tick. */
  onProgress?: (done: number, total: number) => void;
  /** Called with the state of every guest every `sampleEveryTicks` ticks (and after the last). */
  onSample?: (sample: Sample) => void;
  sampleEveryTicks?: number;
  /** A host policy of your own, instead of the scenario's `host.policy` (setPolicy events still switch). */
  policy?: Policy;
  /** Called at the start of every tick, before scenario events: set targets as an administrator would. */
  beforeTick?: (admin: AdminControl) => void;
  /** Test hooks into the host (tests that break it on purpose); inline placement only. */
  host?: Pick<RunSetupOptions, 'table'>;
  /** Stops the run at the next tick once aborted: the promise rejects with an AbortError and the workers are closed. */
  signal?: AbortSignal;
  /**
   * CPU time, in ms, that one call into a policy module (createPolicy, decide, observe, reclaim) may use
   * before the run is stopped and rejects with a PolicyError (0: calls are not watched); default:
   * BALLOONSIM_POLICY_CALL_LIMIT, or 10 s. See runtime/policy-watch/policy-watch.ts.
   */
  policyCallLimitMs?: number;
  /** @internal A sweep's case: the buffer where the run marks its policy calls for the sweep's coordinator, which watches them (src/sweep/case-watch.ts). */
  policyCallMarks?: SharedArrayBuffer;
}

export interface RunResult {
  summary: RunSummary;
  events: ReadonlyArray<HostEvent>;
}

/**
 * A full pass touches every frame and page; keep its cost near 20,000
 * entries per tick on average (every tick also gets the quick audit, and
 * every run a full pass at the end).
 */
const AUDIT_ENTRIES_PER_TICK = 20_000;

/**
 * Runs a scenario in lockstep: every tick the memory manager decides and
 * sends its orders, every thread steps its guests and their device sides,
 * and the manager takes their reports in guest order. The result depends
 * only on the scenario and the seed, whatever the placement.
 */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<RunResult> {
  throwIfAborted(options.signal, 'simulate');
  if (options.host !== undefined && (options.placement ?? 'workers') !== 'inline') throw new RangeError('simulate: host hooks work only with placement inline');
  const watch = { ...(options.policyCallLimitMs !== undefined ? { limitMs: options.policyCallLimitMs } : {}), ...(options.policyCallMarks !== undefined ? { marks: options.policyCallMarks } : {}) };
  return watchPolicyCalls(scenario, watch, 'simulate', (watched) => simulateWatched(scenario, options, watched));
}

/** The lockstep run itself, its calls into policy modules watched (policy-watch/policy-watch.ts). */
async function simulateWatched(scenario: Scenario, options: SimulateOptions, watched: WatchedRun): Promise<RunResult> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let coordinatorMs = 0;
  const kind = options.placement ?? 'workers';
  const setup = await prepareRun(scenario, {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    watched,
    ...options.host,
  });
  const { manager, faults, seed } = setup;
  if (faults !== null && (faults.kills.length > 0 || faults.plan.delayFraction > 0)) {
    throw new RangeError('simulate: worker kills and message delays need free-running mode (simulateFree); lockstep results must not depend on the placement');
  }
  const placement = createPlacement(kind, workerCount(options, scenario.guests.length));
  const threads = kind === 'inline' ? 1 : Math.min(placement instanceof WorkerPlacement ? placement.threadsWanted : 1, manager.layout.shards);
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  const auditEvery = options.auditEveryTicks ?? defaultAuditInterval(setup.table.frames, setup.shared.reduce((sum, views) => sum + views.pages, 0));
  const sampleEvery = options.sampleEveryTicks ?? 0;
  const auditor = new Auditor(manager);
  const crashes: CrashRecord[] = [];
  const liveness = faults !== null ? livenessWatch(faults, manager, scenario) : null;
  // Where the run is, for a watchdog's report (run-watch.ts); the text is built only when a watchdog asks.
  const where = { tick: -1, stage: 'starting the guests' };
  const unwatch = watchRun(() => `lockstep run of ${scenario.name} (${placement.kind} placement, ${threads} ${threads === 1 ? 'thread' : 'threads'}): tick ${where.tick} of ${ticks}, ${where.stage}`);
  const close = async (): Promise<void> => {
    unwatch();
    await placement.close();
  };
  watched.onStop(close);
  try {
    const setups = threadSetups(setup, threads);
    // A table given by a test (inline only) is the one the device sides use too.
    if (options.host?.table !== undefined) setups[0]!.tableObject = options.host.table;
    await placement.start(setups);
    const slices = tableSlices(setup.table.frames, setups.length);
    const fullAudits = (timeMs: number): AuditRequest[] => slices.map((slice) => ({ kind: 'full', timeMs, ...slice }));
    const quickAudits = (timeMs: number): AuditRequest[] => slices.map(() => ({ kind: 'quick', timeMs }));
    for (let tick = 0; tick < ticks; tick++) {
      await abortCheckpoint(options.signal, () => `simulate (at tick ${tick} of ${ticks})`);
      const nowMs = tick * scenario.tickMs;
      const beforeTick = options.beforeTick;
      let mark = performance.now();
      where.tick = tick;
      where.stage = 'the manager deciding';
      const orders = manager.beginTick(tick, beforeTick === undefined ? undefined : () => beforeTick(adminControlOf(manager, nowMs)));
      for (const { guest } of orders.crashes) crashes.push({ guest: manager.records[guest]!.name, timeSeconds: nowMs / 1000, how: 'event', detail: 'scenario event' });
      const endMs = (tick + 1) * scenario.tickMs;
      const full = auditEvery > 0 && (tick + 1) % auditEvery === 0;
      // The quick checks run beside each thread's step (its own guests only); a full audit reads the whole
      // table, so it waits until every thread has stepped.
      coordinatorMs += performance.now() - mark;
      where.stage = 'guests and device sides stepping';
      const results = await placement.step(orders, full ? slices.map(() => null) : quickAudits(endMs));
      const fullParts = full ? ((await placement.audit(fullAudits(endMs))) as FullAuditPart[]) : null;
      mark = performance.now();
      where.stage = 'the manager reading the device reports and auditing';
      manager.endTick(results.map((result) => result.report));
      // In guest order, whichever thread hosted each guest (threads host shards dealt round robin).
      const thrown = results.flatMap((result) => result.crashed).sort((a, b) => a.guestIndex - b.guestIndex);
      for (const crash of thrown) crashes.push({ guest: manager.records[crash.guestIndex]!.name, timeSeconds: nowMs / 1000, how: 'throw', detail: crash.message });
      liveness?.observe(tick);
      if (fullParts !== null) auditor.full(endMs, fullParts);
      else auditor.quick(endMs, results.map((result) => result.audit as AuditFindings));
      if (sampleEvery > 0 && (tick + 1) % sampleEvery === 0) options.onSample?.(sampleGuests(endMs, manager, setup.shared));
      coordinatorMs += performance.now() - mark;
      options.onProgress?.(tick + 1, ticks);
    }
    const endMs = ticks * scenario.tickMs;
    where.stage = 'the final audit';
    auditor.full(endMs, (await placement.audit(fullAudits(endMs))) as FullAuditPart[]);
    if (sampleEvery > 0 && ticks % sampleEvery !== 0) options.onSample?.(sampleGuests(endMs, manager, setup.shared));
    where.stage = 'collecting reports';
    const reports = await placement.reports();
    const wallSeconds = (performance.now() - started) / 1000;
    const faultSummary = faults !== null && liveness !== null ? summarizeFaults(faults, crashes, 0, liveness) : undefined;
    const summary = buildSummary(
      scenario,
      seed,
      ticks,
      manager,
      reports,
      auditor.result,
      {
        mode: 'lockstep',
        placement: placement.kind,
        threads: placement.threads,
        wallSeconds,
        simulatedSecondsPerWallSecond: endMs / 1000 / Math.max(wallSeconds, 1e-9),
        cpuSeconds: cpuSecondsSince(cpuStarted),
        coordinatorSeconds: coordinatorMs / 1000,
      },
      faultSummary,
    );
    return { summary, events: manager.log.entries };
  } finally {
    await close();
  }
}

/** The worker count the options ask for: `workers`, or enough workers for `guestsPerWorker`, or the machine's parallelism. */
export function workerCount(options: Pick<SimulateOptions, 'workers' | 'guestsPerWorker'>, guests: number): number {
  if (options.workers !== undefined && options.guestsPerWorker !== undefined) {
    throw new RangeError('simulate: give workers or guestsPerWorker, not both');
  }
  if (options.guestsPerWorker !== undefined) {
    if (!Number.isSafeInteger(options.guestsPerWorker) || options.guestsPerWorker < 1) {
      throw new RangeError(`simulate: guestsPerWorker must be a positive integer, got ${options.guestsPerWorker}`);
    }
    return Math.max(1, Math.ceil(guests / options.guestsPerWorker));
  }
  return options.workers ?? availableParallelism();
}

/** The liveness watch of a fault plan: from the first tick without faults to the deadline. */
export function livenessWatch(faults: InjectedFaults, manager: MemoryManager, scenario: Scenario): LivenessWatch {
  const deadlineTick = tickOf(faults.plan.untilMs + faults.plan.settleMs, scenario.tickMs);
  return new LivenessWatch(manager, faults.untilTick, deadlineTick, scenario.tickMs, scenario.frameBytes);
}

/** The summary's `faults` section. */
export function summarizeFaults(faults: InjectedFaults, crashes: CrashRecord[], delayedBatches: number, liveness: LivenessWatch): FaultSummary {
  return {
    untilSeconds: faults.plan.untilMs / 1000,
    settleSeconds: faults.plan.settleMs / 1000,
    throwsPlanned: faults.guests.reduce((sum, guest) => sum + guest.throwAt.length, 0),
    killsPlanned: faults.kills.length,
    crashes,
    delayedBatches,
    liveness: liveness.result(),
  };
}

function createPlacement(kind: PlacementKind, workers: number): GuestPlacement {
  switch (kind) {
    case 'inline':
      return new InlinePlacement();
    case 'workers':
      // The calling thread only waits while guests step: it hosts a share itself.
      return new WorkerPlacement(Math.max(1, workers), { callerHostsAShare: true });
    default:
      throw new RunFailure('BAD_PLACEMENT', `unknown placement ${String(kind)}`);
  }
}

/** CPU time of the process (every thread) since `start`, in seconds. */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function defaultAuditInterval(frames: number, pages: number): number {
  return Math.max(10, Math.ceil((frames + pages) / AUDIT_ENTRIES_PER_TICK));
}
