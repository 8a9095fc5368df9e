/** Unit tests of src/scenario/snapshot.ts: the copy of a scenario that simulate and sweep take when called. */
import { describe, expect, it } from 'vitest';
import { scenarioSnapshot } from '../../src/scenario/snapshot.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

describe('scenarioSnapshot', () => {
  it('copies the scenario whole: a change made to the original afterwards, however deep, is not in the copy', () => {
    const original = scenario({ guests: [guest('a'), guest('b')], events: [{ atMs: 1000, kind: 'pausePolicy' }] });
    const copy = scenarioSnapshot(original, 'simulate');
    expect(copy).toEqual(original);
    expect(copy).not.toBe(original);
    original.guests[1]!.memoryBytes = 1;
    (original.guests as unknown[]).push(guest('c'));
    (original.events as unknown[]).length = 0;
    (original.host as { memoryBytes: number }).memoryBytes = 2 * MiB;
    expect(copy.guests.map((g) => g.name)).toEqual(['a', 'b']);
    expect(copy.guests[1]!.memoryBytes).toBe(guest('b').memoryBytes);
    expect(copy.events).toHaveLength(1);
    expect(copy.host.memoryBytes).toBe(scenario({ guests: [] }).host.memoryBytes);
  });

  it('refuses what cannot be copied, naming the caller and saying how to make a scenario', () => {
    const withFunction = { ...scenario({ guests: [guest('a')] }), hook: () => 1 };
    expect(() => scenarioSnapshot(withFunction as never, 'sweep: scenarios[2]')).toThrow(TypeError);
    expect(() => scenarioSnapshot(withFunction as never, 'sweep: scenarios[2]')).toThrow(
      /^sweep: scenarios\[2\]: scenario must be plain data \(it holds something that cannot be copied: .+\); make one with defineScenario\(\{\.\.\.\}\)$/,
    );
  });
});
