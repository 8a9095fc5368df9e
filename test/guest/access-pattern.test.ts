import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPattern, BUCKETS, COLD_BUCKET, HOT_BUCKETS } from '../../src/guest/access-pattern.js';
import type { WorkloadComponent } from '../../src/model/scenario.js';
import { assertProperty, propertyParams } from '../support/fc.js';

function component(overrides: Partial<WorkloadComponent> = {}): WorkloadComponent {
  return { kind: 'anon', name: 'anon-0', size: { kind: 'constant', bytes: 0 }, hotFraction: 1, ...overrides };
}

describe('AccessPattern', () => {
  it('falls from skew / interval in the hottest bucket to 1 / interval in the coolest, and leaves cold pages alone by default', () => {
    const pattern = new AccessPattern(component({ hotFraction: 0.3, hotTouchIntervalMs: 2000, skew: 32 }), 1000);
    expect(pattern.ratePerMs[0]).toBeCloseTo(32 / 2000, 12);
    expect(pattern.ratePerMs[HOT_BUCKETS - 1]).toBeCloseTo(1 / 2000, 12);
    for (let bucket = 1; bucket < HOT_BUCKETS; bucket++) expect(pattern.ratePerMs[bucket]).toBeLessThan(pattern.ratePerMs[bucket - 1]!);
    expect(pattern.ratePerMs[COLD_BUCKET]).toBe(0);
    expect(pattern.touchProbability[HOT_BUCKETS - 1]).toBeCloseTo(1 - Math.exp(-0.5), 12);
    expect(pattern.touches).toBe(true);
  });

  it('touches cold pages at their own rate when asked to', () => {
    const pattern = new AccessPattern(component({ hotFraction: 0.5, coldTouchIntervalMs: 60_000 }), 1000);
    expect(pattern.ratePerMs[COLD_BUCKET]).toBeCloseTo(1 / 60_000, 15);
  });

  it('is idle with no hot part and no cold touches', () => {
    const pattern = new AccessPattern(component({ hotFraction: 0 }), 1000);
    expect(pattern.touches).toBe(false);
    expect(pattern.hotPages(1_000_000)).toBe(0);
    expect(pattern.bucketOf(0, 0)).toBe(COLD_BUCKET);
  });

  it('refuses a fraction outside 0..1 and a skew below 1, naming itself', () => {
    expect(() => new AccessPattern(component({ hotFraction: 1.5 }), 1000)).toThrow(/^AccessPattern: hotFraction/);
    expect(() => new AccessPattern(component({ skew: 0.5 }), 1000)).toThrow(/^AccessPattern: /);
  });

  const params = propertyParams<[number, number]>('bucketOf agrees with bucketStart', { numRuns: 200 });
  it(params.name, () => {
    assertProperty(
      fc.property(fc.integer({ min: 1, max: 5_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (size, fraction) => {
        const pattern = new AccessPattern(component({ hotFraction: fraction }), 1000);
        const hot = pattern.hotPages(size);
        // Every boundary, and pages on both sides of it, fall in the bucket whose range holds them.
        const probes = new Set<number>([0, size - 1, hot, hot - 1]);
        for (let bucket = 0; bucket < BUCKETS; bucket++) {
          const start = pattern.bucketStart(bucket, hot);
          for (const page of [start - 1, start, start + 1]) probes.add(page);
        }
        for (const page of probes) {
          if (page < 0 || page >= size) continue;
          const bucket = pattern.bucketOf(page, hot);
          expect(page).toBeGreaterThanOrEqual(pattern.bucketStart(bucket, hot));
          const end = bucket === COLD_BUCKET ? size : pattern.bucketStart(bucket + 1, hot);
          expect(page).toBeLessThan(end);
        }
        // Each hot bucket is at least as wide as the one before (up to rounding).
        for (let bucket = 1; bucket < HOT_BUCKETS; bucket++) {
          const width = pattern.bucketStart(bucket + 1, hot) - pattern.bucketStart(bucket, hot);
          const before = pattern.bucketStart(bucket, hot) - pattern.bucketStart(bucket - 1, hot);
          expect(width).toBeGreaterThanOrEqual(before - 1);
        }
      }),
      params,
    );
  });
});
