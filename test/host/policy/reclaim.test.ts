import { describe, expect, it } from 'vitest';
import { reclaimByWeight, revoke, shareOut } from '../../../src/host/policy/reclaim.js';
import { guestView, hostView } from '../manager/policies/views.js';

describe('shareOut', () => {
  it('divides by weight within each minimum and maximum', () => {
    expect(shareOut(1000, [{ weight: 1, minPages: 0, maxPages: 1000 }, { weight: 1, minPages: 0, maxPages: 1000 }])).toEqual([500, 500]);
    expect(shareOut(1000, [{ weight: 1, minPages: 0, maxPages: 1000 }, { weight: 3, minPages: 0, maxPages: 1000 }])).toEqual([250, 750]);
    expect(shareOut(1000, [{ weight: 1, minPages: 0, maxPages: 200 }, { weight: 1, minPages: 0, maxPages: 1000 }])).toEqual([200, 800]);
    expect(shareOut(1000, [{ weight: 1, minPages: 0, maxPages: 1000 }, { weight: 1, minPages: 700, maxPages: 1000 }])).toEqual([300, 700]);
  });

  it('gives minimums when they alone are more than the total, and maximums when they are less', () => {
    expect(shareOut(100, [{ weight: 1, minPages: 80, maxPages: 1000 }, { weight: 1, minPages: 80, maxPages: 1000 }])).toEqual([80, 80]);
    expect(shareOut(10_000, [{ weight: 1, minPages: 0, maxPages: 300 }, { weight: 5, minPages: 0, maxPages: 400 }])).toEqual([300, 400]);
  });
});

describe('revoke (min-funded revocation)', () => {
  it('takes from the most pages per weight first, down to a common level', () => {
    // Level r: guest 0 keeps r = 400, guest 1 is below it and keeps 300.
    expect(revoke(200, [{ weight: 1, allocationPages: 600, floorPages: 0 }, { weight: 1, allocationPages: 300, floorPages: 0 }])).toEqual([400, 300]);
    // 500 pages: both come down to 200.
    expect(revoke(500, [{ weight: 1, allocationPages: 600, floorPages: 0 }, { weight: 1, allocationPages: 300, floorPages: 0 }])).toEqual([200, 200]);
  });

  it('stops at floors and takes the rest from the others', () => {
    expect(revoke(500, [{ weight: 1, allocationPages: 600, floorPages: 250 }, { weight: 1, allocationPages: 300, floorPages: 0 }])).toEqual([250, 150]);
    // Asking more than everything above the floors takes just that.
    expect(revoke(10_000, [{ weight: 1, allocationPages: 600, floorPages: 250 }, { weight: 1, allocationPages: 300, floorPages: 100 }])).toEqual([250, 100]);
  });

  it('weighs: three times the weight keeps three times the pages', () => {
    // 600 each, weights 1 and 3, 400 to take: guest 0 down to 200 (level 200), guest 1 keeps min(600, 3 * 200).
    expect(revoke(400, [{ weight: 1, allocationPages: 600, floorPages: 0 }, { weight: 3, allocationPages: 600, floorPages: 0 }])).toEqual([200, 600]);
  });

  it('takes nothing when nothing is asked', () => {
    expect(revoke(0, [{ weight: 1, allocationPages: 600, floorPages: 0 }])).toEqual([600]);
  });
});

describe('host reclaim by shares', () => {
  it('lowers the targets of guests that hold the most pages per share, never below their floor', () => {
    const view = hostView([
      guestView(0, { residentPages: 600, targetPages: 800, shares: 1000 }),
      guestView(1, { residentPages: 300, targetPages: 300, shares: 1000 }),
      guestView(2, { residentPages: 500, targetPages: 500, shares: 1000, floorPages: 450 }),
    ]);
    // Allocations min(resident, target): 600, 300, 500 (floor 450). 200 frames: guest 0 to 450, guest 2 to 450.
    expect(Object.fromEntries(reclaimByWeight(view, 200))).toEqual({ 0: 450, 2: 450 });
  });

  it('leaves dead guests and guests at their floor alone', () => {
    const view = hostView([guestView(0, { alive: false, residentPages: 0 }), guestView(1, { residentPages: 100, targetPages: 100, floorPages: 100 })]);
    expect(reclaimByWeight(view, 50).size).toBe(0);
  });
});
