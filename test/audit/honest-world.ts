/**
 * The honest world the auditor's tests break (auditor-power.test.ts,
 * thread-audit-findings.test.ts, auditor-coordinator.test.ts): two guests in two shards, run inline in lockstep
 * until one guest's balloon gave frames back to its shard's pool and the
 * manager holds frames in transit; and the helpers that break it and read
 * what the next full audit found.
 */
import { expect } from 'vitest';
import { runLockstep, type LockstepWorld } from '../support/lockstep.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

/**
 * Guests a (shard 0) and b (shard 1) touch 16 MiB, then free most of it; at
 * 8 s guest a is asked down to 16 MiB, so its balloon gives frames back to
 * shard 0's pool.
 */
export const honest = scenario({
  durationMs: 12_000,
  host: { memoryBytes: 96 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 }, shards: 2 },
  guests: ['a', 'b'].map((name) =>
    guest(name, {
      memoryBytes: 32 * MiB,
      workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'steps', steps: [{ atMs: 0, bytes: 16 * MiB }, { atMs: 6000, bytes: 4 * MiB }] } }],
    }),
  ),
  events: [{ atMs: 8000, kind: 'setTarget', guest: 'a', target: { bytes: 16 * MiB } }],
});

export const A = 0;
export const B = 1;

export function honestWorld(): LockstepWorld {
  const { world, audit } = runLockstep(honest, { auditEveryTicks: 1 });
  expect(audit.firstViolations).toEqual([]);
  expect(world.host.devices.pool(0).returnedRuns().length).toBeGreaterThan(0);
  expect(world.host.devices.pool(1).untouchedRanges().length).toBeGreaterThan(0);
  expect(world.host.manager.balancer.transit.size).toBeGreaterThan(0);
  return world;
}

/** Breaks the world, audits it in full, and returns the new findings (without their time) and how many violations they are. */
export function findingsAfter(world: LockstepWorld, breakIt: (world: LockstepWorld) => void): { lines: string[]; violations: number } {
  const before = world.auditor.result;
  breakIt(world);
  world.auditor.full(1_000_000);
  const after = world.auditor.result;
  const lines = after.firstViolations.slice(before.firstViolations.length).map((line) => line.replace(/^t=\d+\.\d{3}s: /, ''));
  return { lines, violations: after.violations - before.violations };
}

/**
 * Opens the tick after the run's last: what the device sides count (failed
 * exchanges, a crash) reaches the memory manager when the audit closes it.
 */
export function openNextTick(world: LockstepWorld): void {
  world.host.beginTick(Math.ceil(honest.durationMs / honest.tickMs));
}

/** The frames the table gives each owner now. */
export function countOf(world: LockstepWorld, owner: number): number {
  return world.host.table.countOwners().get(owner) ?? 0;
}

export function firstFrameOf(world: LockstepWorld, owner: number, after = -1): number {
  const owners = world.host.table.owners;
  for (let frame = after + 1; frame < owners.length; frame++) if (owners[frame] === owner) return frame;
  throw new Error(`no frame of owner ${owner}`);
}

/** A page of a guest in `state` that maps a frame (the `nth` one). */
export function mappedPage(world: LockstepWorld, index: number, state: number, nth = 0): { page: number; frame: number } {
  const views = world.shared[index]!;
  let seen = 0;
  for (let page = 0; page < views.pages; page++) {
    if (views.pageState[page] === state && views.frameAt(page) >= 0 && seen++ === nth) return { page, frame: views.frameAt(page) };
  }
  throw new Error(`guest ${index} has no mapped page in state ${state}`);
}

/** The given-back frames shard 0 holds, and the first of them. */
export function pooledFrame(world: LockstepWorld): { frame: number; held: number } {
  const runs = world.host.devices.pool(0).returnedRuns();
  return { frame: runs[0]!, held: world.host.devices.pool(0).returnedFrames };
}
