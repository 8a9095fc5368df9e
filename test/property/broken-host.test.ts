/**
 * The checks must be able to fail. Here the host is broken on purpose, and
 * the same invariant checks that pass on the honest host (the audit the
 * runtime runs, and free-running mode's concurrent auditor) must catch it:
 * - a shard's pool that hands out a frame a guest already owns (the
 *   compare-exchange refuses it, and the failed exchange is a violation);
 * - the same pool after a write without the compare-exchange took the frame
 *   from its owner, so that the double grant goes through silently and only
 *   the audit of the table, the pools and the guests' maps can see it (the
 *   pools' tight loops exchange on the table directly, so the write is made
 *   here, as a careless device side would have made it);
 * - that careless table under a hostile guest: the device side takes frames
 *   the guest names without checking they are its own;
 * - a rebalance that hands one range of free frames to two shards.
 *
 * The broken pools are made through the pools' own operations (surrender,
 * adopt) on a host whose guests run in lockstep inline (support/lockstep.ts),
 * with the audit the runtime runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunList } from '../../src/host/frame-runs.js';
import { FrameTable } from '../../src/host/frame-table.js';
import { AUDIT_CONTROL_SLOTS, ConcurrentAuditor } from '../../src/audit/concurrent-auditor.js';
import { guestIndexOfOwner, OWNER_FREE } from '../../src/host/owners.js';
import type { AttackKind, Scenario } from '../../src/model/scenario.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import type { InlineHost } from '../support/inline-host.js';
import { runLockstep, type LockstepWorld } from '../support/lockstep.js';
import { frameTableFor, ownerBitsOf } from '../../src/runtime/run-setup.js';
import { arbitraryScenario, guest, MiB, scenario } from '../support/scenarios.js';

/** The honest table: a change of owner asked of a frame whose owner was not the one expected (a broken pool's grant) fails, and is counted. */
class WatchedFrameTable extends FrameTable {
  get unexpected(): number {
    return this.transferFailures;
  }
}

/** A table whose changes of owner store without comparing: the bug the compare-exchange exists to prevent. */
class CarelessFrameTable extends FrameTable {
  unexpected = 0;

  override transfer(frame: number, expectedOwner: number, newOwner: number): boolean {
    if (Atomics.load(this.owners, frame) !== expectedOwner) this.unexpected++;
    Atomics.store(this.owners, frame, newOwner);
    this.transfers++;
    return true;
  }

  override tryTransfer(frame: number, claimedOwner: number, newOwner: number): boolean {
    return this.transfer(frame, claimedOwner, newOwner);
  }
}

function framesOf(s: Scenario): number {
  return Math.floor(s.host.memoryBytes / s.frameBytes);
}

/**
 * Breaks every shard's pool that holds frames: one of its free frames leaves
 * it (held by nobody, so that every count still adds up) and in its place the
 * pool takes, as if it were free, the highest frame a guest of another shard
 * owns (of any shard if there is none). Its next grant from untouched frames
 * hands that frame out. With `careless`, a write without the compare-exchange
 * has also made the frame free in the table behind its owner's back, so that
 * the grant goes through. Returns the frames planted and their owners.
 */
function plantOwnedFrames(host: InlineHost, careless: boolean): Array<{ frame: number; owner: number }> {
  const owners = host.table.owners;
  const planted: Array<{ frame: number; owner: number }> = [];
  const taken = (frame: number): boolean => planted.some((plant) => plant.frame === frame);
  for (const pool of host.devices.pools) {
    if (pool.size === 0) continue;
    let chosen = -1;
    for (let frame = owners.length - 1; frame >= 0 && chosen < 0; frame--) {
      const guest = guestIndexOfOwner(owners[frame]!);
      if (guest >= 0 && host.shardOf(guest) !== pool.shard && !taken(frame)) chosen = frame;
    }
    for (let frame = owners.length - 1; frame >= 0 && chosen < 0; frame--) if (guestIndexOfOwner(owners[frame]!) >= 0 && !taken(frame)) chosen = frame;
    if (chosen < 0) continue;
    planted.push({ frame: chosen, owner: owners[chosen]! });
    pool.surrender(1, new RunList());
    pool.adopt(chosen, 1);
    if (careless) Atomics.store(owners, chosen, OWNER_FREE);
  }
  return planted;
}

/** Free-running mode's concurrent auditor, over an inline world's shared memory (swept between ticks). */
function concurrentAuditorOf(world: LockstepWorld): ConcurrentAuditor {
  const scenario = world.host.scenario;
  return new ConcurrentAuditor({
    table: world.host.table.share,
    guests: world.shared.map((views, index) => ({ name: scenario.guests[index]!.name, frameOf: views.buffers.frameOf, counters: views.buffers.counters })),
    states: new SharedArrayBuffer(4 * scenario.guests.length),
    shards: world.host.manager.layout.shards,
    control: new SharedArrayBuffer(AUDIT_CONTROL_SLOTS * 4),
  });
}

interface BrokenRun {
  planted: number;
  violations: number;
  firstViolations: string[];
  /** What the concurrent auditor found, swept after every tick. */
  concurrentViolations: number;
  concurrentFirstViolations: string[];
  /** A grant handed a planted frame out (a failed exchange, or the frame went to another guest). */
  fired: boolean;
}

function runWithPlantedFrames(s: Scenario, careless: boolean): BrokenRun {
  const table = frameTableFor(s);
  let planted: Array<{ frame: number; owner: number }> = [];
  let granted = false;
  let concurrent: ConcurrentAuditor | null = null;
  const { audit } = runLockstep(s, {
    table,
    auditEveryTicks: 1,
    onStart: (world) => {
      planted = plantOwnedFrames(world.host, careless);
      concurrent = concurrentAuditorOf(world);
    },
    onTick: () => {
      for (const { frame, owner } of planted) if (guestIndexOfOwner(table.ownerOf(frame)) >= 0 && table.ownerOf(frame) !== owner) granted = true;
      concurrent!.sweep();
    },
  });
  const found = concurrent!.snapshot();
  return {
    planted: planted.length,
    violations: audit.violations,
    firstViolations: audit.firstViolations,
    concurrentViolations: found.violations,
    concurrentFirstViolations: found.firstViolations,
    fired: careless ? granted : table.transferFailures > 0,
  };
}

/** Two guests whose workloads grow after boot, so the host grants frames after boot. */
const growing = scenario({
  host: { memoryBytes: 128 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
  guests: ['a', 'b'].map((name) =>
    guest(name, { memoryBytes: 48 * MiB, maxMemoryBytes: 48 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 16 * MiB } }] }),
  ),
});

describe('a host broken on purpose', () => {
  it('is caught when a pool grants an owned frame through the compare-exchange: the exchange fails and is reported', () => {
    const result = runWithPlantedFrames(growing, false);
    expect(result.planted).toBe(2);
    expect(result.fired).toBe(true);
    expect(result.violations).toBeGreaterThan(0);
    expect(result.firstViolations.some((line) => line.includes('failed compare-exchange'))).toBe(true);
  });

  it('is caught when a pool grants an owned frame that a write without the compare-exchange freed: the audits find the frame given twice', () => {
    const result = runWithPlantedFrames(growing, true);
    expect(result.planted).toBe(2);
    expect(result.fired).toBe(true);
    expect(result.violations).toBeGreaterThan(0);
    expect(result.firstViolations.some((line) => line.includes('failed compare-exchange'))).toBe(false);
    expect(result.firstViolations.some((line) => /which the table gives to|the table gives guest/.test(line)), result.firstViolations.join('\n')).toBe(true);
    // Free-running mode's concurrent auditor sees it too: a frame mapped by two guests.
    expect(result.concurrentViolations).toBeGreaterThan(0);
    expect(result.concurrentFirstViolations.join('\n')).toMatch(/guest [ab]: page \d+ maps frame \d+, which the table gives to guest [ab]/);
  });

  it('is caught when a rebalance hands one range of free frames to two shards', () => {
    let handed = 0;
    const { audit } = runLockstep(growing, {
      auditEveryTicks: 1,
      onTick: (tick, _endMs, world) => {
        if (tick !== 1) return;
        const host = world.host;
        const transit = host.manager.balancer.transit;
        // Transit's frames, as the manager hands them to shards; if it has too few, shard 0 gives some up first (an honest move).
        if (transit.size < 64) {
          const given = new RunList();
          host.devices.pool(0).surrender(64, given);
          transit.add(given.toRuns());
        }
        const runs = new RunList();
        handed = transit.take(64, runs);
        const words = runs.view();
        for (const shard of [0, 1]) for (let i = 0; i < words.length; i += 2) host.devices.pool(shard).adopt(words[i]!, words[i + 1]!);
      },
    });
    expect(handed).toBe(64);
    expect(audit.violations).toBeGreaterThan(0);
    expect(audit.firstViolations.some((line) => /held twice|pooled twice/.test(line)), audit.firstViolations.join('\n')).toBe(true);
  });

  it('is caught when a careless device side lets a hostile guest give back frames that are not its own', () => {
    const attacks: AttackKind[] = ['forged', 'not-owned'];
    const s = scenario({
      durationMs: 20_000,
      host: { memoryBytes: 256 * MiB, reservedBytes: 8 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
      guests: [
        guest('a', { memoryBytes: 48 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 16 * MiB } }] }),
        guest('mallory', { memoryBytes: 48 * MiB, hostile: { everyMs: 2000, attacks, floodMessages: 0 }, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 16 * MiB } }] }),
      ],
    });
    // Owners as narrow as the run's own table would have them (16 bits here).
    const table = new CarelessFrameTable(framesOf(s), ownerBitsOf(s));
    const careless = runLockstep(s, { table, auditEveryTicks: 1 });
    expect(table.unexpected).toBeGreaterThan(0);
    expect(careless.audit.violations).toBeGreaterThan(0);
    // The honest table refuses the same attacks: a clean audit, the attacker charged.
    const honest = runLockstep(s, { auditEveryTicks: 1 });
    expect(honest.audit.firstViolations).toEqual([]);
    expect(honest.world.host.accounts[1]!.protocolViolations).toBeGreaterThan(0);
  });

  const params = propertyParams('broken host is always caught', { numRuns: 6 });
  it(`is caught in every random scenario where the bad grant happens (seed ${params.seed})`, async () => {
    await assertProperty(
      fc.asyncProperty(arbitraryScenario({ crashes: false }), fc.boolean(), async (s, careless) => {
        const result = runWithPlantedFrames(s, careless);
        if (result.fired) expect(result.violations).toBeGreaterThan(0);
        if (result.fired && careless) expect(result.concurrentViolations).toBeGreaterThan(0);
      }),
      params,
    );
  });
});
