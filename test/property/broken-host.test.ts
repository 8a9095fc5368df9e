/**
 * The checks must be able to fail. Here the host is broken on purpose, and
 * the same invariant checks that pass on the honest host must catch it:
 * - a shard's pool that hands out a frame a guest already owns (the
 *   compare-exchange refuses it, and the failed exchange is a violation);
 * - the same pool with a table that stores without comparing (a device side
 *   that writes "without the compare-exchange"), so that the double grant
 *   goes through silently and only the audit of the table, the pools and the
 *   guests' maps can see it;
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
import { RunList } from '../../src/host/device/frame-runs.js';
import { FrameTable } from '../../src/host/frame-table.js';
import { guestIndexOfOwner } from '../../src/host/owners.js';
import type { AttackKind, Scenario } from '../../src/scenario/types.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import type { InlineHost } from '../support/inline-host.js';
import { runLockstep } from '../support/lockstep.js';
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
 * hands that frame out. Returns the frames planted.
 */
function plantOwnedFrames(host: InlineHost): number[] {
  const owners = host.table.owners;
  const planted: number[] = [];
  for (const pool of host.devices.pools) {
    if (pool.size === 0) continue;
    let chosen = -1;
    for (let frame = owners.length - 1; frame >= 0 && chosen < 0; frame--) {
      const guest = guestIndexOfOwner(owners[frame]!);
      if (guest >= 0 && host.shardOf(guest) !== pool.shard && !planted.includes(frame)) chosen = frame;
    }
    for (let frame = owners.length - 1; frame >= 0 && chosen < 0; frame--) if (guestIndexOfOwner(owners[frame]!) >= 0 && !planted.includes(frame)) chosen = frame;
    if (chosen < 0) continue;
    pool.surrender(1, new RunList());
    pool.adopt(chosen, 1);
    planted.push(chosen);
  }
  return planted;
}

interface BrokenRun {
  planted: number;
  violations: number;
  firstViolations: string[];
  /** A grant took a planted frame. */
  fired: boolean;
}

function runWithPlantedFrames(s: Scenario, careless: boolean): BrokenRun {
  const table = careless ? new CarelessFrameTable(framesOf(s)) : new WatchedFrameTable(framesOf(s));
  let planted: number[] = [];
  const { audit } = runLockstep(s, { table, auditEveryTicks: 1, onStart: (world) => (planted = plantOwnedFrames(world.host)) });
  return { planted: planted.length, violations: audit.violations, firstViolations: audit.firstViolations, fired: table.unexpected > 0 };
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

  it('is caught when a pool grants an owned frame without the compare-exchange: the audit finds the frame given twice', () => {
    const result = runWithPlantedFrames(growing, true);
    expect(result.planted).toBe(2);
    expect(result.fired).toBe(true);
    expect(result.violations).toBeGreaterThan(0);
    expect(result.firstViolations.some((line) => line.includes('failed compare-exchange'))).toBe(false);
    expect(result.firstViolations.some((line) => /which the table gives to|the table gives guest/.test(line)), result.firstViolations.join('\n')).toBe(true);
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
    const table = new CarelessFrameTable(framesOf(s));
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
      }),
      params,
    );
  });
});
