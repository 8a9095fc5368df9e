import { describe, expect, it } from 'vitest';
import { ActiveMemoryEstimator, activeSample, touchProbability } from '../../../src/host/policies/active-memory.js';
import { EsxPolicy } from '../../../src/host/policies/esx-policy.js';
import type { EsxPolicySpec } from '../../../src/scenario/types.js';
import { Random } from '../../../src/util/random.js';
import { asObject, guestView, hostView } from './views.js';

const spec = (tau: number): EsxPolicySpec => ({ kind: 'esx', periodMs: 30_000, tau, samples: 100, fastWeight: 0.5, slowWeight: 0.1 });

describe('ESX active-memory estimator', () => {
  it('takes the larger of a fast and a slow moving average', () => {
    const estimator = new ActiveMemoryEstimator(0.5, 0.1);
    expect(estimator.estimate).toBe(1); // no evidence yet: fully active
    estimator.addSample(20, 100); // fast 0.2, slow 0.2
    expect(estimator.estimate).toBeCloseTo(0.2, 12);
    estimator.addSample(100, 100); // fast 0.2 + 0.5 * 0.8 = 0.6, slow 0.2 + 0.1 * 0.8 = 0.28
    expect(estimator.estimate).toBeCloseTo(0.6, 12);
    estimator.addSample(0, 100); // fast 0.3, slow 0.252
    expect(estimator.estimate).toBeCloseTo(0.3, 12);
    estimator.addSample(0, 100); // fast 0.15, slow 0.2268: the slow average holds it up
    expect(estimator.estimate).toBeCloseTo(0.2268, 12);
  });

  it('refuses a sample that is not a count out of the samples', () => {
    expect(() => new ActiveMemoryEstimator(0.5, 0.1).addSample(101, 100)).toThrow(/^ActiveMemoryEstimator\.addSample: /);
  });

  it('samples with the guest-provided touched fraction, else used over actual size', () => {
    expect(touchProbability(guestView(0, { touchedFraction: 0.25, usedPages: 900 }))).toBe(0.25);
    expect(touchProbability(guestView(0, { usedPages: 250, balloonPages: 500, actualPages: 500 }))).toBe(0.5);
    expect(touchProbability(guestView(0))).toBe(1); // nothing known: active
    expect(activeSample(guestView(0, { touchedFraction: 1 }), 100, new Random(1))).toBe(100);
    expect(activeSample(guestView(0, { touchedFraction: 0 }), 100, new Random(1))).toBe(0);
    const half = activeSample(guestView(0, { touchedFraction: 0.5 }), 100, new Random(7));
    expect(half).toBe(activeSample(guestView(0, { touchedFraction: 0.5 }), 100, new Random(7)));
    expect(half).toBeGreaterThan(30);
    expect(half).toBeLessThan(70);
  });
});

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

  it('refuses a tax rate of 1 or more', () => {
    expect(() => new EsxPolicy(spec(1), 1)).toThrow(/^EsxPolicy: tau/);
  });
});
