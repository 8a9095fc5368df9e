import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Auditor } from '../audit/auditor.js';
import { GuestSharedViews } from '../guest/shared-memory.js';
import { Hypervisor, type HostEvent, type HypervisorOptions } from '../host/hypervisor.js';
import { loadPolicyModules } from '../host/policies/index.js';
import type { Policy } from '../host/policy.js';
import type { GuestInit } from '../messages/runtime.js';
import type { Scenario } from '../scenario/types.js';
import { deriveSeed } from '../util/random.js';
import { adminControlOf, type AdminControl } from './admin-control.js';
import { RunFailure } from './errors.js';
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
  /** Full audit every this many ticks (0: only at the end); default scales with the size of the run. */
  auditEveryTicks?: number;
  /** Called with (ticks done, ticks in all) about every 1 % of the run. */
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
}

export interface RunResult {
  summary: RunSummary;
  events: ReadonlyArray<HostEvent>;
}

/** A full pass touches every frame and page; keep its cost near 50,000 entries per tick on average. */
const AUDIT_ENTRIES_PER_TICK = 50_000;

/**
 * Runs a scenario in lockstep: every tick the host applies events and its
 * policy, every guest steps on its inbox, and the host handles the guests'
 * messages in guest order. The result depends only on the scenario and the
 * seed, whatever the placement.
 */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const seed = options.seed ?? scenario.seed;
  const placement = createPlacement(options.placement ?? 'workers', options.workers, scenario.guests.length);
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
  const progressEvery = Math.max(1, Math.floor(ticks / 100));
  const inits: GuestInit[] = scenario.guests.map((spec, index) => ({
    index,
    spec,
    tickMs: scenario.tickMs,
    frameBytes: scenario.frameBytes,
    seed: deriveSeed(seed, 'guest', spec.name),
    shared: shared[index]!.buffers,
    ...(scenario.host.swapFaultMs !== undefined ? { hostSwapFaultMs: scenario.host.swapFaultMs } : {}),
  }));
  try {
    await placement.start(inits);
    host.boot();
    for (let tick = 0; tick < ticks; tick++) {
      const beforeTick = options.beforeTick;
      const beforeEvents = beforeTick === undefined ? undefined : () => beforeTick(adminControlOf(host, tick * scenario.tickMs));
      for (const index of host.beginTick(tick, beforeEvents)) {
        await placement.stop(index);
        shared[index]!.tearDown();
      }
      const outboxes = await placement.step(tick, host.takeInboxes());
      for (let index = 0; index < outboxes.length; index++) host.handleOutbox(index, outboxes[index]!);
      const endMs = (tick + 1) * scenario.tickMs;
      if (auditEvery > 0 && (tick + 1) % auditEvery === 0) auditor.full(endMs);
      else auditor.quick(endMs);
      if (sampleEvery > 0 && (tick + 1) % sampleEvery === 0) options.onSample?.(sampleGuests(endMs, host, shared));
      if ((tick + 1) % progressEvery === 0) options.onProgress?.(tick + 1, ticks);
    }
    const endMs = ticks * scenario.tickMs;
    auditor.full(endMs);
    if (sampleEvery > 0 && ticks % sampleEvery !== 0) options.onSample?.(sampleGuests(endMs, host, shared));
    const reports = await placement.reports();
    const wallSeconds = (performance.now() - started) / 1000;
    const summary = buildSummary(scenario, seed, ticks, host, reports, auditor.result, {
      placement: placement.kind,
      threads: placement.threads,
      wallSeconds,
      simulatedSecondsPerWallSecond: endMs / 1000 / Math.max(wallSeconds, 1e-9),
    });
    return { summary, events: host.log };
  } finally {
    await placement.close();
  }
}

function createPlacement(kind: PlacementKind, workers: number | undefined, guests: number): GuestPlacement {
  switch (kind) {
    case 'inline':
      return new InlinePlacement();
    case 'workers':
      return new WorkerPlacement(Math.max(1, Math.min(workers ?? availableParallelism(), guests)));
    default:
      throw new RunFailure('BAD_PLACEMENT', `unknown placement ${String(kind)}`);
  }
}

function defaultAuditInterval(host: Hypervisor, shared: ReadonlyArray<GuestSharedViews>): number {
  const entries = host.frames + shared.reduce((sum, views) => sum + views.pages, 0);
  return Math.max(10, Math.ceil(entries / AUDIT_ENTRIES_PER_TICK));
}
