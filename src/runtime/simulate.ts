import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Auditor } from '../audit/auditor.js';
import { GuestSharedViews } from '../guest/shared-memory.js';
import { Hypervisor, type HostEvent, type HypervisorOptions } from '../host/hypervisor.js';
import { loadPolicyModules } from '../host/policies/index.js';
import type { Policy } from '../host/policy.js';
import type { GuestInit } from '../messages/runtime.js';
import type { Scenario } from '../scenario/types.js';
import type { CrashRecord, FaultSummary } from '../faults/fault-summary.js';
import { planFaults, tickOf, type InjectedFaults } from '../faults/fault-plan.js';
import { LivenessWatch } from '../faults/liveness.js';
import { deriveSeed } from '../util/random.js';
import { adminControlOf, type AdminControl } from './admin-control.js';
import { abortCheckpoint, throwIfAborted } from './abort.js';
import { RunFailure } from './errors.js';
import { watchRun } from './run-watch.js';
import { InlinePlacement } from './inline-placement.js';
import type { GuestPlacement, PlacementKind } from './placement.js';
import { sampleGuests, type Sample } from './sample.js';
import { buildSummary, type RunSummary } from './summary.js';
import { WorkerPlacement } from './worker-placement.js';

export interface SimulateOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Where guest actors run; default `workers`. */
  placement?: PlacementKind;
  /** Worker threads for the `workers` placement; default: the machine's available parallelism, at most one per guest. */
  workers?: number;
  /** Instead of `workers`: as many workers as it takes to host at most this many guests each. */
  guestsPerWorker?: number;
  /** Full audit every this many ticks (0: only at the end); default scales with the size of the run. */
  auditEveryTicks?: number;
  /** Called with (ticks done, ticks in all) after every tick (a display throttles it by time). */
  onProgress?: (done: number, total: number) => void;
  /** Called with the state of every guest every `sampleEveryTicks` ticks (and after the last). */
  onSample?: (sample: Sample) => void;
  sampleEveryTicks?: number;
  /** A host policy of your own, instead of the scenario's `host.policy` (setPolicy events still switch). */
  policy?: Policy;
  /** Called at the start of every tick, before scenario events: set targets as an administrator would. */
  beforeTick?: (admin: AdminControl) => void;
  /** Test and benchmark hooks into the host. */
  hypervisor?: HypervisorOptions;
  /** Stops the run at the next tick once aborted: the promise rejects with an AbortError and the workers are closed. */
  signal?: AbortSignal;
}

export interface RunResult {
  summary: RunSummary;
  events: ReadonlyArray<HostEvent>;
}

/**
 * A full pass touches every frame and page; keep its cost near 20,000
 * entries per tick on average (every tick also gets the quick audit, and
 * every run a full pass at the end). On a 2-vCPU machine a full pass reads
 * about 200 million entries a second, so this is about 0.1 ms a tick.
 */
const AUDIT_ENTRIES_PER_TICK = 20_000;

/**
 * Runs a scenario in lockstep: every tick the host applies events and its
 * policy, every guest steps on its inbox, and the host handles the guests'
 * messages in guest order. The result depends only on the scenario and the
 * seed, whatever the placement.
 */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<RunResult> {
  const started = performance.now();
  throwIfAborted(options.signal, 'simulate');
  const seed = options.seed ?? scenario.seed;
  const faults = planFaults(scenario, seed);
  if (faults !== null && (faults.kills.length > 0 || faults.plan.delayFraction > 0)) {
    throw new RangeError('simulate: worker kills and message delays need free-running mode (simulateFree); lockstep results must not depend on the placement');
  }
  const placement = createPlacement(options.placement ?? 'workers', workerCount(options, scenario.guests.length), scenario.guests.length);
  const policyModules = await loadPolicyModules(scenario);
  const host = new Hypervisor(scenario, {
    seed,
    policyModules,
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    ...options.hypervisor,
  });
  const shared = host.accounts.map((account) => GuestSharedViews.allocate(account.pages));
  const auditor = new Auditor(host, shared);
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  const auditEvery = options.auditEveryTicks ?? defaultAuditInterval(host, shared);
  const sampleEvery = options.sampleEveryTicks ?? 0;
  const inits = guestInits(scenario, seed, host, shared, faults);
  const crashes: CrashRecord[] = [];
  const liveness = faults !== null ? livenessWatch(faults, host, scenario) : null;
  // Where the run is, for a watchdog's report (run-watch.ts).
  // (Numbers only on the hot path: the text is built when a watchdog asks.)
  const where = { tick: -1, stage: 'starting the guests', guest: -1, messages: 0 };
  const unwatch = watchRun(() => {
    const stage = where.stage === 'host handling' ? `host handling ${host.accounts[where.guest]?.name}'s ${where.messages} messages` : where.stage;
    return `lockstep run of ${scenario.name} (${placement.kind} placement): tick ${where.tick} of ${ticks}, ${stage}`;
  });
  try {
    await placement.start(inits);
    host.boot();
    for (let tick = 0; tick < ticks; tick++) {
      await abortCheckpoint(options.signal, () => `simulate (at tick ${tick} of ${ticks})`);
      const beforeTick = options.beforeTick;
      const beforeEvents = beforeTick === undefined ? undefined : () => beforeTick(adminControlOf(host, tick * scenario.tickMs));
      for (const index of host.beginTick(tick, beforeEvents)) {
        await placement.stop(index);
        shared[index]!.tearDown();
        if (faults !== null) crashes.push({ guest: host.accounts[index]!.name, timeSeconds: (tick * scenario.tickMs) / 1000, how: 'event', detail: 'scenario event' });
      }
      where.tick = tick;
      where.stage = 'guests stepping';
      // Guest by guest in index order; a guest whose actor threw is crashed in its turn.
      await placement.stepEach(tick, host.takeInboxes(), (index, outbox, crash) => {
        where.stage = 'host handling';
        where.guest = index;
        where.messages = outbox.length;
        if (crash !== null) {
          host.crash(index, `its actor threw: ${crash.message}`);
          shared[index]!.tearDown();
          crashes.push({ guest: host.accounts[index]!.name, timeSeconds: (tick * scenario.tickMs) / 1000, how: 'throw', detail: crash.message });
        }
        host.handleOutbox(index, outbox);
      });
      where.stage = 'auditing';
      liveness?.observe(tick);
      const endMs = (tick + 1) * scenario.tickMs;
      if (auditEvery > 0 && (tick + 1) % auditEvery === 0) auditor.full(endMs);
      else auditor.quick(endMs);
      if (sampleEvery > 0 && (tick + 1) % sampleEvery === 0) options.onSample?.(sampleGuests(endMs, host, shared));
      options.onProgress?.(tick + 1, ticks);
    }
    const endMs = ticks * scenario.tickMs;
    auditor.full(endMs);
    if (sampleEvery > 0 && ticks % sampleEvery !== 0) options.onSample?.(sampleGuests(endMs, host, shared));
    where.stage = 'collecting reports';
    const reports = await placement.reports();
    const wallSeconds = (performance.now() - started) / 1000;
    const faultSummary = faults !== null && liveness !== null ? summarizeFaults(faults, crashes, 0, liveness) : undefined;
    const summary = buildSummary(
      scenario,
      seed,
      ticks,
      host,
      reports,
      auditor.result,
      {
        mode: 'lockstep',
        placement: placement.kind,
        threads: placement.threads,
        wallSeconds,
        simulatedSecondsPerWallSecond: endMs / 1000 / Math.max(wallSeconds, 1e-9),
      },
      faultSummary,
    );
    return { summary, events: host.log };
  } finally {
    unwatch();
    await placement.close();
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

/** What each guest actor is created from: its spec, seed and shared memory, plus faults and (hostile guests) the table. */
export function guestInits(
  scenario: Scenario,
  seed: number,
  host: Hypervisor,
  shared: ReadonlyArray<GuestSharedViews>,
  faults: InjectedFaults | null,
): GuestInit[] {
  return scenario.guests.map((spec, index) => ({
    index,
    spec,
    tickMs: scenario.tickMs,
    frameBytes: scenario.frameBytes,
    seed: deriveSeed(seed, 'guest', spec.name),
    shared: shared[index]!.buffers,
    ...(scenario.host.swapFaultMs !== undefined ? { hostSwapFaultMs: scenario.host.swapFaultMs } : {}),
    ...(faults !== null ? { faults: faults.guests[index]! } : {}),
    ...(spec.hostile !== undefined ? { table: host.table.buffer } : {}),
  }));
}

/** The liveness watch of a fault plan: from the first tick without faults to the deadline. */
export function livenessWatch(faults: InjectedFaults, host: Hypervisor, scenario: Scenario): LivenessWatch {
  const deadlineTick = tickOf(faults.plan.untilMs + faults.plan.settleMs, scenario.tickMs);
  return new LivenessWatch(host, faults.untilTick, deadlineTick, scenario.tickMs, scenario.frameBytes);
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

function createPlacement(kind: PlacementKind, workers: number, guests: number): GuestPlacement {
  switch (kind) {
    case 'inline':
      return new InlinePlacement();
    case 'workers':
      // The calling thread only waits while guests step: it hosts a share itself.
      return new WorkerPlacement(Math.max(1, Math.min(workers, guests)), { callerHostsAShare: true });
    default:
      throw new RunFailure('BAD_PLACEMENT', `unknown placement ${String(kind)}`);
  }
}

function defaultAuditInterval(host: Hypervisor, shared: ReadonlyArray<GuestSharedViews>): number {
  const entries = host.frames + shared.reduce((sum, views) => sum + views.pages, 0);
  return Math.max(10, Math.ceil(entries / AUDIT_ENTRIES_PER_TICK));
}
