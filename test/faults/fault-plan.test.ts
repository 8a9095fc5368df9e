/** Unit tests of src/faults/fault-plan.ts: turning a scenario's fault plan into concrete, seeded faults. */
import { describe, expect, it } from 'vitest';
import { planFaults, tickOf } from '../../src/faults/fault-plan.js';
import type { FaultPlan } from '../../src/model/scenario.js';
import { guest, scenario } from '../support/scenarios.js';

function plan(overrides: Partial<FaultPlan>): FaultPlan {
  return { untilMs: 10_000, settleMs: 5000, crashes: [], randomThrows: 0, randomKills: 0, delayFraction: 0, delayTurnsMax: 8, ...overrides };
}

const threeGuests = [guest('a'), guest('b'), guest('c')];

describe('tickOf', () => {
  it('is the first tick that starts at or after the time', () => {
    expect(tickOf(0, 1000)).toBe(0);
    expect(tickOf(1000, 1000)).toBe(1);
    expect(tickOf(1001, 1000)).toBe(2);
    expect(tickOf(2500, 500)).toBe(5);
    expect(tickOf(1, 250)).toBe(1);
  });
});

describe('planFaults', () => {
  it('returns null for a scenario without a fault plan', () => {
    expect(planFaults(scenario({ guests: threeGuests }), 1)).toBeNull();
  });

  it('places scheduled throws on the guest they name, at the tick of their time, and kills by time', () => {
    const faults = plan({
      crashes: [
        { guest: 'b', atMs: 2500, how: 'throw' },
        { guest: 'c', atMs: 7000, how: 'kill-worker' },
        { guest: 'a', atMs: 3000, how: 'kill-worker' },
      ],
    });
    const injected = planFaults(scenario({ guests: threeGuests, tickMs: 1000, faults }), 7)!;
    expect(injected.plan).toBe(faults);
    expect(injected.untilTick).toBe(10);
    expect(injected.guests).toHaveLength(3);
    expect(injected.guests[0]!.throwAt).toEqual([]);
    expect(injected.guests[2]!.throwAt).toEqual([]);
    expect(injected.guests[1]!.throwAt).toHaveLength(1);
    expect(injected.guests[1]!.throwAt[0]!.tick).toBe(3);
    expect(['before-inbox', 'before-send']).toContain(injected.guests[1]!.throwAt[0]!.point);
    // Sorted by time, whatever the plan's order.
    expect(injected.kills).toEqual([
      { atMs: 3000, guestIndex: 0 },
      { atMs: 7000, guestIndex: 2 },
    ]);
  });

  it('draws random throws and kills inside the safety phase, sorted, on existing guests', () => {
    const faults = plan({ untilMs: 5000, randomThrows: 40, randomKills: 20 });
    const injected = planFaults(scenario({ guests: threeGuests, tickMs: 500, faults }), 11)!;
    expect(injected.untilTick).toBe(10);
    const throws = injected.guests.flatMap((g) => g.throwAt);
    expect(throws).toHaveLength(40);
    for (const g of injected.guests) {
      const ticks = g.throwAt.map((t) => t.tick);
      expect(ticks).toEqual([...ticks].sort((x, y) => x - y));
      for (const tick of ticks) {
        expect(tick).toBeGreaterThanOrEqual(0);
        expect(tick).toBeLessThan(10);
      }
    }
    expect(injected.kills).toHaveLength(20);
    for (const kill of injected.kills) {
      expect(kill.atMs % 500).toBe(0);
      expect(kill.atMs).toBeLessThan(5000);
      expect(kill.guestIndex).toBeGreaterThanOrEqual(0);
      expect(kill.guestIndex).toBeLessThan(3);
    }
    const times = injected.kills.map((k) => k.atMs);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // With 40 draws over 3 guests and 2 points, every guest and both points come up.
    expect(new Set(injected.guests.map((g) => g.throwAt.length > 0))).toEqual(new Set([true]));
    expect(new Set(throws.map((t) => t.point))).toEqual(new Set(['before-inbox', 'before-send']));
  });

  it('is a function of the seed: the same seed gives the same faults, another seed others', () => {
    const faults = plan({ randomThrows: 10, randomKills: 5 });
    const s = scenario({ guests: threeGuests, faults });
    expect(planFaults(s, 42)).toEqual(planFaults(s, 42));
    expect(planFaults(s, 42)).not.toEqual(planFaults(s, 43));
  });

  it('draws no random faults when the safety phase has no tick', () => {
    const injected = planFaults(scenario({ guests: threeGuests, faults: plan({ untilMs: 0, randomThrows: 5, randomKills: 5 }) }), 1)!;
    expect(injected.untilTick).toBe(0);
    expect(injected.guests.every((g) => g.throwAt.length === 0)).toBe(true);
    expect(injected.kills).toEqual([]);
  });

  it('refuses a crash of a guest the scenario does not have, naming it', () => {
    const faults = plan({ crashes: [{ guest: 'ghost', atMs: 1000, how: 'throw' }] });
    expect(() => planFaults(scenario({ guests: threeGuests, faults }), 1)).toThrow(/planFaults: .*unknown guest ghost/);
  });
});
