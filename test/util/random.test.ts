import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveSeed, Random } from '../../src/util/random.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

function draw(random: Random, count: number): number[] {
  return Array.from({ length: count }, () => random.nextU32());
}

describe('Random', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw(new Random(1234), 64)).toEqual(draw(new Random(1234), 64));
  });

  it('gives different sequences for different seeds', () => {
    expect(draw(new Random(1234), 16)).not.toEqual(draw(new Random(1235), 16));
  });

  it('draws 32-bit unsigned integers and floats in [0, 1)', () => {
    const random = new Random(7);
    for (let i = 0; i < 1000; i++) {
      const u = random.nextU32();
      expect(Number.isInteger(u) && u >= 0 && u < 2 ** 32).toBe(true);
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('int(bound) stays in [0, bound), small and large bounds alike', () => {
    const random = new Random(99);
    for (const bound of [1, 2, 3, 10, 1000, 2 ** 32, 2 ** 32 + 1, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      for (let i = 0; i < 200; i++) {
        const value = random.int(bound);
        expect(Number.isSafeInteger(value), `int(${bound}) gave ${value}`).toBe(true);
        expect(value >= 0 && value < bound, `int(${bound}) gave ${value}`).toBe(true);
      }
    }
    expect(new Random(1).int(1)).toBe(0);
  });

  it('int(bound) reaches every value of a small range', () => {
    const random = new Random(5);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(random.int(6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  // Regression test for a rounding bug found in review (src/util/random.ts, Random.int).
  it('int(bound) stays below a bound above 2^32 even for the largest draws', () => {
    class LargestDraws extends Random {
      override nextU32(): number {
        return 0xffffffff;
      }
    }
    const random = new LargestDraws(1);
    for (const bound of [2 ** 32 + 1, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(random.int(bound)).toBeLessThan(bound);
    }
  });

  it('int rejects a bound that is not a positive safe integer, naming itself', () => {
    const random = new Random(1);
    for (const bound of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => random.int(bound)).toThrow(/^Random\.int: /);
    }
  });
});

describe('deriveSeed', () => {
  it('is a function of the root seed and the labels', () => {
    expect(deriveSeed(42, 'guest', 'web')).toBe(deriveSeed(42, 'guest', 'web'));
  });

  it('differs by label', () => {
    expect(deriveSeed(42, 'guest', 'web')).not.toBe(deriveSeed(42, 'guest', 'db'));
    expect(deriveSeed(42, 'guest', 1)).not.toBe(deriveSeed(42, 'guest', 2));
    expect(deriveSeed(42, 'guest')).not.toBe(deriveSeed(42, 'host'));
    // A number label and the string of its digits are different labels.
    expect(deriveSeed(42, 1)).not.toBe(deriveSeed(42, '1'));
  });

  it('differs by root seed, including the half above 2^32', () => {
    expect(deriveSeed(1, 'guest', 'web')).not.toBe(deriveSeed(2, 'guest', 'web'));
    expect(deriveSeed(5, 'x')).not.toBe(deriveSeed(5 + 2 ** 32, 'x'));
  });

  it('gives 32-bit unsigned seeds', () => {
    for (let root = 0; root < 100; root++) {
      const seed = deriveSeed(root, 'guest', root);
      expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
    }
  });

  it('has no collisions among a thousand guests', () => {
    const seeds = new Set<number>();
    for (let i = 0; i < 1000; i++) seeds.add(deriveSeed(42, 'guest', `guest-${i}`));
    expect(seeds.size).toBe(1000);
  });

  it('rejects a root seed that is negative or not a safe integer, naming itself', () => {
    for (const root of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => deriveSeed(root, 'x')).toThrow(/^deriveSeed: /);
    }
  });
});

const exponentialParams = propertyParams<[number, number]>('exponential(mean) is finite and non-negative', { numRuns: 200 });
const intParams = propertyParams<[number, number]>('int(bound) is in [0, bound) for any seed and bound', { numRuns: 200 });

describe(`Random properties ${describeSeed(exponentialParams.seed)}`, () => {
  it(exponentialParams.name, () => {
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.double({ min: 0, max: 1e9, noNaN: true }), (seed, mean) => {
        const random = new Random(seed);
        for (let i = 0; i < 100; i++) {
          const value = random.exponential(mean);
          if (!(value >= 0) || !Number.isFinite(value)) return false;
        }
        return true;
      }),
      exponentialParams,
    );
  });

  it(intParams.name, () => {
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (seed, bound) => {
        const random = new Random(seed);
        for (let i = 0; i < 50; i++) {
          const value = random.int(bound);
          if (!Number.isSafeInteger(value) || value < 0 || value >= bound) return false;
        }
        return true;
      }),
      intParams,
    );
  });
});
