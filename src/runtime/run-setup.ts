/**
 * The one routine that builds a run, for lockstep, free-running mode and the
 * stream API alike: the seed, the fault plan, the policy modules, the frame
 * table, the shared memory of the host's figures and of every guest, the
 * memory manager, and what each thread needs to host its shards.
 */
import { GuestSharedViews } from '../guest/shared-memory.js';
import { HostFiguresBuffer } from '../host/device/device-figures.js';
import { FrameTable } from '../host/frame-table.js';
import { MemoryManager } from '../host/manager/memory-manager.js';
import { loadPolicyModules } from '../host/manager/policies/index.js';
import type { Policy } from '../host/policy/policy.js';
import { shardCount, shardsPerThread } from '../host/manager/shards.js';
import { ownerBitsFor } from '../host/owners.js';
import type { GuestInit } from '../messages/runtime.js';
import type { OwnerBits } from '../messages/table-share.js';
import type { Scenario } from '../model/scenario.js';
import { planFaults, type InjectedFaults } from '../faults/fault-plan.js';
import { deriveSeed } from '../util/random.js';
import type { ThreadSetup } from './guest-thread.js';
import { moduleLoadWatch, type WatchedRun } from './policy-watch/policy-watch.js';

export interface RunSetupOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** A host policy of your own, instead of the scenario's `host.policy` (setPolicy events still switch). */
  policy?: Policy;
  /** Replaces the frame table (tests that break the host on purpose; inline placement only). */
  table?: FrameTable;
  /** The run's watch on its calls into policy modules, their loading included (policy-watch/policy-watch.ts). */
  watched?: WatchedRun;
}

export interface RunSetup {
  scenario: Scenario;
  seed: number;
  faults: InjectedFaults | null;
  table: FrameTable;
  figures: HostFiguresBuffer;
  /** Each guest's shared memory, by index. */
  shared: GuestSharedViews[];
  manager: MemoryManager;
  /** Each guest actor's init, by index. */
  inits: GuestInit[];
}

/** Builds a run (the policy modules a scenario names are imported first). */
export async function prepareRun(scenario: Scenario, options: RunSetupOptions = {}): Promise<RunSetup> {
  const seed = options.seed ?? scenario.seed;
  const faults = planFaults(scenario, seed);
  const policyModules = await loadPolicyModules(scenario, options.watched === undefined ? {} : moduleLoadWatch(options.watched));
  const policyCalls = options.watched?.calls;
  const table = options.table ?? frameTableFor(scenario);
  const frames = framesOf(scenario);
  if (table.frames !== frames) throw new RangeError(`prepareRun: the table has ${table.frames} frames, the host's memory needs ${frames}`);
  const shared = GuestSharedViews.allocateMany(scenario.guests.map((spec) => Math.floor(spec.maxMemoryBytes / scenario.frameBytes)));
  const figures = new HostFiguresBuffer(scenario.guests.length, shardCount(scenario.guests.length, scenario.host.shards));
  const manager = new MemoryManager(scenario, { table, figures, signals: shared.map((views) => views.buffers.signals) }, {
    seed,
    policyModules,
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    ...(policyCalls !== undefined ? { policyCalls } : {}),
  });
  const inits: GuestInit[] = scenario.guests.map((spec, index) => ({
    index,
    spec,
    tickMs: scenario.tickMs,
    frameBytes: scenario.frameBytes,
    seed: deriveSeed(seed, 'guest', spec.name),
    shared: shared[index]!.buffers,
    ...(scenario.host.swapFaultMs !== undefined ? { hostSwapFaultMs: scenario.host.swapFaultMs } : {}),
    ...(faults !== null ? { faults: faults.guests[index]! } : {}),
    ...(spec.hostile !== undefined ? { table: table.share } : {}),
  }));
  return { scenario, seed, faults, table, figures, shared, manager, inits };
}

/** A new frame table for a run of `scenario`, as `prepareRun` makes it: its host's frames, owners as narrow as its guests and shards allow. */
export function frameTableFor(scenario: Scenario): FrameTable {
  return new FrameTable(framesOf(scenario), ownerBitsOf(scenario));
}

function framesOf(scenario: Scenario): number {
  return Math.floor(scenario.host.memoryBytes / scenario.frameBytes);
}

/** The owner width of a run of `scenario`'s table (host/owners.ts, `ownerBitsFor`). */
export function ownerBitsOf(scenario: Scenario): OwnerBits {
  return ownerBitsFor(scenario.guests.length, shardCount(scenario.guests.length, scenario.host.shards));
}

/** What each of `threads` threads hosts: whole shards, as evenly as their guests allow (fewer threads if there are fewer shards). */
export function threadSetups(setup: RunSetup, threads: number): ThreadSetup[] {
  const { manager, scenario } = setup;
  const shardSetups = manager.shardSetups();
  const names = scenario.guests.map((spec) => spec.name);
  return shardsPerThread(manager.layout, threads).map((shards) => {
    const mine = shards.map((shard) => shardSetups[shard]!);
    return {
      table: setup.table.share,
      figures: setup.figures.buffer,
      guestCount: scenario.guests.length,
      shardCount: manager.layout.shards,
      guestNames: names,
      frameBytes: scenario.frameBytes,
      shards: mine,
      guests: mine.flatMap((shard) => shard.guests.map((guest) => setup.inits[guest.index]!)),
    };
  });
}

/** Splits the frame table into `parts` consecutive slices for the full audit's count. */
export function tableSlices(frames: number, parts: number): Array<{ sliceStart: number; sliceEnd: number }> {
  const slices = [];
  for (let part = 0; part < parts; part++) slices.push({ sliceStart: Math.floor((frames * part) / parts), sliceEnd: Math.floor((frames * (part + 1)) / parts) });
  return slices;
}
