/** A component's size over time, for each curve kind; calls must come in time order. */
import { describe, expect, it } from 'vitest';
import { SizeCurveSampler } from '../../src/guest/size-curve.js';
import type { SizeCurve } from '../../src/model/scenario.js';
import { Random } from '../../src/util/random.js';

const sampler = (curve: SizeCurve, seed = 1) => new SizeCurveSampler(curve, new Random(seed));

describe('SizeCurveSampler', () => {
  it('constant: the same size at every time', () => {
    const s = sampler({ kind: 'constant', bytes: 4096 });
    expect([s.bytesAt(0), s.bytesAt(1e9)]).toEqual([4096, 4096]);
  });

  it('steps: 0 before the first step, then each step\'s size from its time on', () => {
    const s = sampler({ kind: 'steps', steps: [ { atMs: 100, bytes: 10 }, { atMs: 200, bytes: 30 }, { atMs: 300, bytes: 5 } ] });
    expect([0, 99, 100, 199, 200, 250, 300, 10_000].map((t) => s.bytesAt(t))).toEqual([0, 0, 10, 10, 30, 30, 5, 5]);
  });

  it('ramp: flat before and after, linear between', () => {
    const s = sampler({ kind: 'ramp', fromBytes: 100, toBytes: 500, startMs: 1000, endMs: 2000 });
    expect([0, 1000, 1250, 1500, 2000, 3000].map((t) => s.bytesAt(t))).toEqual([100, 100, 200, 300, 500, 500]);
  });

  it('ramp down works the same way', () => {
    const s = sampler({ kind: 'ramp', fromBytes: 500, toBytes: 100, startMs: 0, endMs: 400 });
    expect(s.bytesAt(100)).toBe(400);
  });

  it('sine: min at phase 0, max half a period later, back to min after a period', () => {
    const s = sampler({ kind: 'sine', minBytes: 100, maxBytes: 300, periodMs: 1000, phaseMs: 0 });
    expect(s.bytesAt(0)).toBeCloseTo(100, 9);
    expect(s.bytesAt(250)).toBeCloseTo(200, 9);
    expect(s.bytesAt(500)).toBeCloseTo(300, 9);
    expect(s.bytesAt(1000)).toBeCloseTo(100, 9);
    const shifted = sampler({ kind: 'sine', minBytes: 100, maxBytes: 300, periodMs: 1000, phaseMs: 500 });
    expect(shifted.bytesAt(0)).toBeCloseTo(300, 9);
  });

  it('trace: the first point before it, linear between points, the last after', () => {
    const s = sampler({ kind: 'trace', source: 't.csv', points: [ { atMs: 100, bytes: 1000 }, { atMs: 200, bytes: 2000 }, { atMs: 400, bytes: 0 } ] });
    expect([0, 100, 150, 200, 300, 400, 500].map((t) => s.bytesAt(t))).toEqual([1000, 1000, 1500, 2000, 1000, 0, 0]);
    expect(sampler({ kind: 'trace', source: 'empty.csv', points: [] }).bytesAt(5)).toBe(0);
  });

  it('bursts: only base or peak sizes, the same plan for the same seed, another for another seed', () => {
    const curve: SizeCurve = { kind: 'bursts', baseBytes: 10, peakBytes: 90, meanGapMs: 1000, meanLengthMs: 200 };
    const series = (seed: number) => {
      const s = sampler(curve, seed);
      return Array.from({ length: 2000 }, (_, i) => s.bytesAt(i * 50));
    };
    const a = series(3);
    expect(new Set(a)).toEqual(new Set([10, 90]));
    expect(series(3)).toEqual(a);
    expect(series(4)).not.toEqual(a);
    // Mean gap 1000 ms, mean length 200 ms: at peak about 1/6 of the time (loose bounds, 100 s of samples).
    const atPeak = a.filter((b) => b === 90).length / a.length;
    expect(atPeak).toBeGreaterThan(0.08);
    expect(atPeak).toBeLessThan(0.3);
  });

  it('refuses a time that goes back, naming itself', () => {
    const s = sampler({ kind: 'constant', bytes: 1 });
    s.bytesAt(500);
    expect(() => s.bytesAt(499)).toThrow(/^SizeCurveSampler\.bytesAt: time went back from 500 ms to 499 ms/);
    expect(s.bytesAt(500)).toBe(1);
  });
});
