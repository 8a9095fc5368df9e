/**
 * One thread's part of the audit, on a small honest world run in lockstep
 * (two guests, each in its own shard): the quick checks from each guest's
 * counters, the full part's counts per owner and untouched ranges, and where
 * an owner value is counted. The full scans' findings on a broken world are
 * tested in auditor-power.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ownerSlot, ThreadAudit } from '../../src/audit/thread-audit.js';
import { PageState } from '../../src/guest/page-state.js';
import { Counter } from '../../src/guest/shared-memory.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest } from '../../src/host/owners.js';
import { runLockstep } from '../support/lockstep.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

function honestWorld() {
  const s = scenario({
    durationMs: 3000,
    host: { memoryBytes: 96 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 }, shards: 2 },
    guests: ['a', 'b'].map((name) => guest(name, { memoryBytes: 32 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 8 * MiB } }] })),
  });
  const { world, audit } = runLockstep(s, { auditEveryTicks: 1 });
  expect(audit.violations).toBe(0);
  world.host.endTick();
  const views = new Map(world.shared.map((view, index) => [index, view]));
  const thread = new ThreadAudit(world.host.devices, views, s.frameBytes, ['a', 'b'], 2);
  return { world, thread };
}

describe('ownerSlot', () => {
  it('counts shards\' free values first, then the hypervisor, free, and guests 1..G', () => {
    // 2 shards: -3 -> 0, -2 -> 1, -1 -> 2, 0 -> 3, guest 1 -> 4.
    expect([freeOwnerOfShard(1), freeOwnerOfShard(0), OWNER_HYPERVISOR, OWNER_FREE, ownerIdOfGuest(0)].map((owner) => ownerSlot(owner, 2))).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('ThreadAudit', () => {
  it('finds nothing on an honest world, quick or full, and counts the whole table in the full part', () => {
    const { world, thread } = honestWorld();
    expect(thread.quick(1000)).toEqual({ violations: 0, kept: [] });
    const part = thread.full(1000, 0, world.host.table.frames);
    expect([part.violations, part.invalid]).toEqual([0, 0]);
    const counts = world.host.table.countOwners();
    expect(part.ownerCounts[ownerSlot(ownerIdOfGuest(0), 2)]).toBe(counts.get(ownerIdOfGuest(0)));
    expect(part.ownerCounts[ownerSlot(OWNER_HYPERVISOR, 2)]).toBe(1024);
    expect(part.ownerCounts.reduce((a, b) => a + b, 0)).toBe(world.host.table.frames);
    // Each shard's untouched ranges, as (shard, start, end).
    expect(part.untouched.length % 3).toBe(0);
    expect(new Set(part.untouched.filter((_, i) => i % 3 === 0))).toEqual(new Set([0, 1]));
  });

  it('counts only its slice of the table', () => {
    const { world, thread } = honestWorld();
    const half = world.host.table.frames / 2;
    const first = thread.full(0, 0, half).ownerCounts.reduce((a, b) => a + b, 0);
    const second = thread.full(0, half, world.host.table.frames).ownerCounts.reduce((a, b) => a + b, 0);
    expect([first, second]).toEqual([half, half]);
  });

  it('quick: reports page states that do not add up to the guest\'s size, and a mapped count that is not what it owns', () => {
    const { world, thread } = honestWorld();
    const counters = world.shared[0]!.counters;
    counters[PageState.FREE]!++;
    counters[Counter.MAPPED]!++;
    const found = thread.quick(2500);
    expect(found.kept.slice(0, 2)).toEqual([
      't=2.500s: guest a: page states add up to 8193, its size is 8192 pages',
      expect.stringMatching(/^t=2\.500s: guest a: maps \d+ frames, but owns \d+ of which 0 are still in flight to it$/),
    ]);
    expect(found.violations).toBeGreaterThanOrEqual(2);
  });

  it('starts each pass with no findings', () => {
    const { world, thread } = honestWorld();
    world.shared[1]!.counters[PageState.KERNEL]!++;
    expect(thread.quick(0).violations).toBeGreaterThan(0);
    world.shared[1]!.counters[PageState.KERNEL]!--;
    expect(thread.quick(0)).toEqual({ violations: 0, kept: [] });
  });

  it('refuses a guest without shared memory, naming itself', () => {
    const { world } = honestWorld();
    expect(() => new ThreadAudit(world.host.devices, new Map(), 4096, ['a', 'b'], 2)).toThrow(/^ThreadAudit: no shared memory for guest 0/);
  });
});
