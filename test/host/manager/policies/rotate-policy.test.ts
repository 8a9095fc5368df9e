/** The stress policy: one group of guests squeezed to a share of its memory each period, the rest at full size, in turn. */
import { describe, expect, it } from 'vitest';
import { RotatePolicy } from '../../../../src/host/manager/policies/rotate-policy.js';
import { asObject, guestView, hostView } from './views.js';

const guests = () => [0, 1, 2, 3].map((i) => guestView(i, { memoryPages: 1000 + i }));

describe('rotate policy', () => {
  const policy = new RotatePolicy(10_000, 25, 2);

  it('squeezes guests of group (period number mod groups) to 25 % of their memory, rounded down, and gives the others all of theirs', () => {
    // Period 0: group 0 (guests 0 and 2) squeezed: floor(1000 / 4) = 250, floor(1002 / 4) = 250.
    expect(asObject(policy.decide(hostView(guests(), { timeMs: 0 })))).toEqual({ 0: 250, 1: 1001, 2: 250, 3: 1003 });
    expect(asObject(policy.decide(hostView(guests(), { timeMs: 9999 })))).toEqual({ 0: 250, 1: 1001, 2: 250, 3: 1003 });
    // Period 1: group 1: floor(1001 / 4) = 250, floor(1003 / 4) = 250.
    expect(asObject(policy.decide(hostView(guests(), { timeMs: 10_000 })))).toEqual({ 0: 1000, 1: 250, 2: 1002, 3: 250 });
    expect(asObject(policy.decide(hostView(guests(), { timeMs: 20_000 })))).toEqual({ 0: 250, 1: 1001, 2: 250, 3: 1003 });
  });

  it('leaves dead guests out', () => {
    const view = hostView([guestView(0, { alive: false }), guestView(1)], { timeMs: 0 });
    expect(asObject(policy.decide(view))).toEqual({ 1: 1000 });
  });

  it('refuses a share outside (0, 100], fewer than 2 groups and a period that is not positive, naming itself', () => {
    expect(() => new RotatePolicy(1000, 0, 2)).toThrow(/^RotatePolicy: lowPercentOfMax must be in \(0, 100\], got 0/);
    expect(() => new RotatePolicy(1000, 101, 2)).toThrow(/^RotatePolicy: lowPercentOfMax/);
    expect(() => new RotatePolicy(1000, 50, 1)).toThrow(/^RotatePolicy: groups must be an integer of at least 2, got 1/);
    expect(() => new RotatePolicy(1000, 50, 2.5)).toThrow(/^RotatePolicy: groups/);
    expect(() => new RotatePolicy(0, 50, 2)).toThrow(/^RotatePolicy: periodMs must be positive, got 0/);
    expect(() => new RotatePolicy(1000, 100, 3)).not.toThrow();
  });
});
