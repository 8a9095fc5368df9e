import { describe, expect, it } from 'vitest';
import { ProportionalPolicy } from '../../../../src/host/manager/policies/proportional-policy.js';
import { asObject, guestView, hostView } from './views.js';

describe('proportional policy', () => {
  const policy = new ProportionalPolicy({ kind: 'proportional', periodMs: 10_000 });

  it('shares the usable memory less the high threshold by shares', () => {
    // 1000 usable - 60 (high) = 940 pages; shares 1:3 give 235 and 705.
    const view = hostView([guestView(0, { shares: 1000 }), guestView(1, { shares: 3000 })]);
    expect(asObject(policy.decide(view))).toEqual({ 0: 235, 1: 705 });
  });

  it('caps a guest at its memory and gives the rest to the others', () => {
    // Equal shares would give 470 each; guest 1 has only 300 pages, so guest 0 gets 940 - 300 = 640.
    const view = hostView([guestView(0), guestView(1, { memoryPages: 300, maxPages: 300 })]);
    expect(asObject(policy.decide(view))).toEqual({ 0: 640, 1: 300 });
  });

  it('keeps a guest at its floor and shares what is left', () => {
    // Shares 1:9 would give 94 and 846; guest 0's floor is 200, so guest 1 gets 740.
    const view = hostView([guestView(0, { shares: 100, floorPages: 200 }), guestView(1, { shares: 900 })]);
    expect(asObject(policy.decide(view))).toEqual({ 0: 200, 1: 740 });
  });

  it('leaves dead guests out', () => {
    const view = hostView([guestView(0), guestView(1, { alive: false })]);
    expect(asObject(policy.decide(view))).toEqual({ 0: 940 });
  });

  it('follows the reserve: less usable memory, smaller targets', () => {
    // 800 usable (200 reserved) - 60 = 740: 370 each.
    const view = hostView([guestView(0), guestView(1)], { reservedFrames: 200, usableFrames: 800 });
    expect(asObject(policy.decide(view))).toEqual({ 0: 370, 1: 370 });
  });
});
