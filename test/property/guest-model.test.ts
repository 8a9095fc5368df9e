/**
 * Properties of the guest memory model under random workloads, targets,
 * drivers and knobs (the scenarios of the core issue's property tests, which
 * now vary the model too): after every tick every guest's own bookkeeping is
 * exact (its page states add up to its size, its components hold exactly the
 * pages in their states, swap use matches the pages in swap), and the
 * auditor, with a full pass every tick, finds nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_STATE_COUNT } from '../../src/guest/page-state.js';
import type { GuestToHost } from '../../src/messages/protocol.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { runLockstep } from '../support/lockstep.js';
import { SignalSlot } from '../../src/messages/guest-signals.js';
import { arbitraryScenario } from '../support/scenarios.js';

const params = propertyParams('guest bookkeeping stays exact under random workloads', { numRuns: 40 });

describe(`the guest memory model under random scenarios ${describeSeed(params.seed)}`, () => {
  it(params.name, () => {
    assertProperty(
      fc.property(arbitraryScenario(), (scenario) => {
        const result = runLockstep(scenario, {
          onTick: (tick, _endMs, world) => {
            world.actors.forEach((actor, index) => {
              if (!world.host.accounts[index]!.alive) return;
              const problems = actor.selfCheck();
              if (problems.length > 0) throw new Error(`tick ${tick}, guest ${actor.name}: ${problems.slice(0, 5).join('; ')}`);
              const counters = world.shared[index]!.counters;
              let pages = 0;
              for (let state = 0; state < PAGE_STATE_COUNT; state++) pages += counters[state]!;
              if (pages !== world.host.accounts[index]!.pages) throw new Error(`tick ${tick}, guest ${actor.name}: page states add up to ${pages}`);
            });
          },
        });
        expect(result.audit.firstViolations).toEqual([]);
        expect(result.audit.violations).toBe(0);
        expect(result.world.host.protocolViolations).toBe(0);
      }),
      params,
    );
  });
});

describe('the random scenarios of the property tests', () => {
  it('exercise every message a guest sends (a fixed sample, so that coverage does not depend on the seed)', () => {
    const counts = new Map<GuestToHost['type'], number>();
    const published = { status: 0, stats: 0, pressure: 0 };
    for (const scenario of fc.sample(arbitraryScenario(), { seed: 20_251_126, numRuns: 40 })) {
      const result = runLockstep(scenario, { auditEveryTicks: 0 });
      for (const [type, count] of result.messageCounts) {
        counts.set(type as GuestToHost['type'], (counts.get(type as GuestToHost['type']) ?? 0) + count);
      }
      // What the guests published in shared memory, as the host reads it.
      for (const account of result.world.host.accounts) {
        const signals = account.record.signals();
        if (signals[SignalSlot.STATUS_AT_MS]! >= 0) published.status++;
        published.stats += signals[SignalSlot.STATS_REPORTS]!;
        published.pressure += signals[SignalSlot.PRESSURE_REPORTS]!;
      }
    }
    expect(published.status).toBeGreaterThan(0);
    expect(published.stats).toBeGreaterThan(0);
    expect(published.pressure).toBeGreaterThan(0);
    const types: Array<GuestToHost['type']> = [
      'release',
      'request',
      'distress',
      'freePageReport',
      'oomDeflate',
      'activeSample',
      'pagedOut',
      'hostSwapRelease',
      'plug',
      'unplug',
    ];
    for (const type of types) expect(counts.get(type) ?? 0, type).toBeGreaterThan(0);
    // Status, stats and pressure reports are published in shared memory, never sent.
    for (const type of ['status', 'stats', 'pressure']) expect(counts.get(type as GuestToHost['type']), type).toBeUndefined();
  });
});
