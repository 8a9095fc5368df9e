/** ESX's active-memory estimate (Waldspurger 2002, section 5.2) and the sampling of views without a measured sample. */
import { describe, expect, it } from 'vitest';
import { ActiveMemoryEstimator, activeSample, touchProbability } from '../../../../src/host/manager/policies/active-memory.js';
import { Random } from '../../../../src/util/random.js';
import { guestView } from './views.js';

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

  it('refuses weights outside (0, 1], naming itself', () => {
    for (const [fast, slow] of [[0, 0.1], [0.5, 1.5], [Number.NaN, 0.1]]) {
      expect(() => new ActiveMemoryEstimator(fast!, slow!)).toThrow(/^ActiveMemoryEstimator: weights must be in \(0, 1\], got fast /);
    }
    expect(() => new ActiveMemoryEstimator(1, 1)).not.toThrow();
  });

  it('clamps a touched fraction outside 0..1, and counts a guest whose balloon left it nothing as active', () => {
    expect(touchProbability(guestView(0, { touchedFraction: 1.5 }))).toBe(1);
    expect(touchProbability(guestView(0, { touchedFraction: -0.5 }))).toBe(0);
    expect(touchProbability(guestView(0, { usedPages: 10, actualPages: 0 }))).toBe(1);
    expect(touchProbability(guestView(0, { usedPages: 2000, actualPages: 1000 }))).toBe(1);
  });
});
