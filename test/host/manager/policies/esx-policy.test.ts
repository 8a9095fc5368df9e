import { describe, expect, it } from 'vitest';
import { EsxPolicy } from '../../../../src/host/manager/policies/esx-policy.js';
import type { EsxPolicySpec } from '../../../../src/model/scenario.js';
import { asObject, guestView, hostView } from './views.js';

const spec = (tau: number): EsxPolicySpec => ({ kind: 'esx', periodMs: 30_000, tau, samples: 100, fastWeight: 0.5, slowWeight: 0.1 });

describe('ESX policy', () => {
  const busy = (overrides = {}) => guestView(0, { touchedFraction: 1, ...overrides });
  const idle = (overrides = {}) => guestView(1, { touchedFraction: 0, ...overrides });

  it('with tau 0 shares by shares alone, whatever the guests touch', () => {
    // 940 pages to give (1000 - high 60); equal shares: 470 each.
    expect(asObject(new EsxPolicy(spec(0), 1).decide(hostView([busy(), idle()])))).toEqual({ 0: 470, 1: 470 });
  });

  it('with tau 0.75 taxes idle memory: an idle page costs k = 4 active ones', () => {
    // f = 1 for the busy guest, 0 for the idle one: weights 1000 / 1 and 1000 / 4,
    // so 940 * 1000 / 1250 = 752 and 940 * 250 / 1250 = 188.
    expect(asObject(new EsxPolicy(spec(0.75), 1).decide(hostView([busy(), idle()])))).toEqual({ 0: 752, 1: 188 });
  });

  it('follows the estimate across periods: an idle guest that wakes up regains memory fast', () => {
    const policy = new EsxPolicy(spec(0.75), 1);
    policy.decide(hostView([busy(), idle()]));
    expect(policy.activeFraction(1)).toBe(0);
    // The idle guest touches everything: fast 0.5, slow 0.1, f = 0.5;
    // weight 1000 / (0.5 + 4 * 0.5) = 400, so 940 * 1000 / 1400 = 671.4 and 940 * 400 / 1400 = 268.6.
    const targets = policy.decide(hostView([busy(), idle({ touchedFraction: 1 })], { nowMs: 30_000 }));
    expect(policy.activeFraction(1)).toBeCloseTo(0.5, 12);
    expect(asObject(targets)).toEqual({ 0: 671, 1: 268 });
  });

  it('reclaims from the lowest adjusted shares-per-page ratio first', () => {
    const policy = new EsxPolicy(spec(0.75), 1);
    policy.decide(hostView([busy(), idle()]));
    // Both hold 400 pages. rho(busy) = 1000 / 400, rho(idle) = 250 / 400: the idle guest goes first.
    // Asking 100 frames takes them all from it (it keeps 300, rho 250/300 still below 1000/400).
    const view = hostView([busy({ residentPages: 400, targetPages: 400 }), idle({ residentPages: 400, targetPages: 400 })]);
    expect(asObject(policy.reclaim(view, 100))).toEqual({ 1: 300 });
  });

  it('feeds each measured sample once, and asks the host to sample its pages every period', () => {
    const policy = new EsxPolicy(spec(0.75), 1);
    expect(policy.activeSampling).toEqual({ pages: 100, periodMs: 30_000 });
    const measured = (index: number, touchedPages: number, atMs: number) => guestView(index, { activeSample: { sampledPages: 100, touchedPages, atMs } });
    // No sample yet: both fully active (no tax without evidence): 470 each.
    expect(asObject(policy.decide(hostView([guestView(0), guestView(1)])))).toEqual({ 0: 470, 1: 470 });
    // First samples: busy 90 of 100, idle 10 of 100: f = 0.9 and 0.1 (both averages start at the sample).
    // Weights 1000 / (0.9 + 4 * 0.1) = 769.23 and 1000 / (0.1 + 4 * 0.9) = 270.27:
    // 940 * 769.23 / 1039.5 = 695.6 and 940 * 270.27 / 1039.5 = 244.4.
    expect(asObject(policy.decide(hostView([measured(0, 90, 29_000), measured(1, 10, 29_000)], { nowMs: 30_000 })))).toEqual({ 0: 695, 1: 244 });
    expect(policy.activeFraction(0)).toBeCloseTo(0.9, 12);
    // The same samples again (no new period answered): not fed twice, the same targets.
    expect(asObject(policy.decide(hostView([measured(0, 90, 29_000), measured(1, 10, 29_000)], { nowMs: 60_000 })))).toEqual({ 0: 695, 1: 244 });
    expect(policy.activeFraction(1)).toBeCloseTo(0.1, 12);
    // A new sample: the idle guest touched 50: fast 0.1 + 0.5 * 0.4 = 0.3, slow 0.1 + 0.1 * 0.4 = 0.14, f = 0.3.
    // Weight 1000 / (0.3 + 4 * 0.7) = 322.58: 940 * 769.23 / 1091.81 = 662.3 and 940 * 322.58 / 1091.81 = 277.7.
    expect(asObject(policy.decide(hostView([measured(0, 90, 29_000), measured(1, 50, 59_000)], { nowMs: 90_000 })))).toEqual({ 0: 662, 1: 277 });
    expect(policy.activeFraction(1)).toBeCloseTo(0.3, 12);
  });

  it('refuses a tax rate of 1 or more', () => {
    expect(() => new EsxPolicy(spec(1), 1)).toThrow(/^EsxPolicy: tau/);
  });
});
