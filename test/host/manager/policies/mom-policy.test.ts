import { describe, expect, it } from 'vitest';
import { MomPolicy, momUsedPages } from '../../../../src/host/manager/policies/mom-policy.js';
import type { MomPolicySpec } from '../../../../src/model/scenario.js';
import { unknownStats } from '../../../../src/host/manager/guest-signals.js';
import { asObject, guestView, hostView } from './views.js';

const SPEC: MomPolicySpec = {
  kind: 'mom',
  periodMs: 10_000,
  sampleIntervalMs: 5000,
  samples: 10,
  pressureThreshold: 0.2,
  criticalFree: 0.05,
  maxChange: 0.05,
  minChange: 0.0025,
};

/** One decision of a fresh MOM policy on one guest, the host having `freeFrames` of 1000 free. */
function decideOnce(freeFrames: number, guest: Parameters<typeof guestView>[1]): Record<number, number> {
  return asObject(new MomPolicy(SPEC).decide(hostView([guestView(0, guest)], { freeFrames })));
}

describe('MOM policy (oVirt balloon rules)', () => {
  it('under pressure shrinks by at most 5 %', () => {
    // Host free 10 % < 20 %: free share 0.1. used 200, current 400:
    // floor = max(min 0, 200 + 0.1 * 400) = 240; target = max(0.95 * 400, 240) = 380.
    expect(decideOnce(100, { targetPages: 400, usedPages: 200 })).toEqual({ 0: 380 });
  });

  it('under pressure shrinks toward used + free share, not below it', () => {
    // used 350: floor = 350 + 40 = 390 > 380, so the target is 390.
    expect(decideOnce(100, { targetPages: 400, usedPages: 350 })).toEqual({ 0: 390 });
    // used 370: floor 410 is above the current 400: nothing to shrink.
    expect(decideOnce(100, { targetPages: 400, usedPages: 370 })).toEqual({});
  });

  it('in critical pressure lets the floor fall below used memory', () => {
    // Host free 3 % <= 5 %: free share 0.03 - 0.05 = -0.02; used 390:
    // floor = 390 - 0.02 * 400 = 382; target = max(380, 382) = 382.
    expect(decideOnce(30, { targetPages: 400, usedPages: 390 })).toEqual({ 0: 382 });
  });

  it('never shrinks below minMemory', () => {
    // floor = max(min 395, 200 + 40) = 395.
    expect(decideOnce(100, { targetPages: 400, usedPages: 200, minPages: 395 })).toEqual({ 0: 395 });
  });

  it('without pressure grows by 5 %, capped at the guest maximum', () => {
    expect(decideOnce(300, { targetPages: 400, usedPages: 390 })).toEqual({ 0: 420 });
    expect(decideOnce(300, { targetPages: 990, usedPages: 100 })).toEqual({ 0: 1000 });
    expect(decideOnce(300, { targetPages: 1000, usedPages: 100 })).toEqual({});
  });

  it('ignores changes of 0.25 % or less', () => {
    // 5 % of 400 would be 420, but the guest's maximum is 401: a change of 1 page = 0.25 %.
    expect(decideOnce(300, { targetPages: 400, memoryPages: 401, maxPages: 401 })).toEqual({});
    expect(decideOnce(300, { targetPages: 400, memoryPages: 402, maxPages: 402 })).toEqual({ 0: 402 });
  });

  it('raises a guest below its minimum to it', () => {
    expect(decideOnce(100, { targetPages: 100, minPages: 150, usedPages: 50 })).toEqual({ 0: 150 });
  });

  it('takes used memory from MEMFREE when the guest sends stats', () => {
    const stats = { ...unknownStats(), MEMFREE: 100 * 4096 };
    const guest = guestView(0, { actualPages: 400, usedPages: 10, stats });
    expect(momUsedPages(guest, 4096)).toBe(300);
    // used 300: floor = 300 + 40 = 340, target = 380.
    expect(decideOnce(100, { targetPages: 400, actualPages: 400, usedPages: 10, stats })).toEqual({ 0: 380 });
  });

  it('decides on the averages of the collected samples', () => {
    const policy = new MomPolicy(SPEC);
    const guest = (usedPages: number) => guestView(0, { targetPages: 400, usedPages });
    // Collected at 0 s and 5 s (every sampleInterval): host free 10 % then 50 %: 30 % on average, no pressure.
    expect(policy.observeEveryMs).toBe(5000);
    policy.observe(hostView([guest(200)], { nowMs: 0, freeFrames: 100 }));
    policy.observe(hostView([guest(200)], { nowMs: 5000, freeFrames: 500 }));
    expect(asObject(policy.decide(hostView([guest(200)], { nowMs: 10_000, freeFrames: 100 })))).toEqual({ 0: 420 });
    // Then 0 % free twice more: average (10 + 50 + 0 + 0) / 4 = 15 % < 20 %: shrink, with used averaged to (200 + 200 + 300 + 300) / 4 = 250:
    // floor = 250 + 0.15 * 400 = 310, target = 380.
    policy.observe(hostView([guest(300)], { nowMs: 10_000, freeFrames: 0 }));
    policy.observe(hostView([guest(300)], { nowMs: 15_000, freeFrames: 0 }));
    expect(asObject(policy.decide(hostView([guest(300)], { nowMs: 20_000, freeFrames: 0 })))).toEqual({ 0: 380 });
  });
});
