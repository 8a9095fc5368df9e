/**
 * Seeded randomness for simulated code. One root seed; every actor derives its
 * own generator with `deriveSeed(root, label...)`, so that a guest's random
 * choices do not depend on how many other guests there are or where they run.
 * Nothing here reads the clock or `Math.random`.
 */

/** Mixes a 32-bit value (the finaliser of MurmurHash3). */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Folds a string or number label into a hash state. */
function fold(state: number, label: string | number): number {
  let h = state;
  const text = typeof label === 'number' ? `#${label}` : label;
  for (let i = 0; i < text.length; i++) {
    h = mix32(h ^ text.charCodeAt(i)) + 0x9e3779b9;
  }
  return mix32(h ^ text.length);
}

/** A 32-bit seed for one actor or purpose, derived from the root seed and labels. */
export function deriveSeed(rootSeed: number, ...labels: ReadonlyArray<string | number>): number {
  if (!Number.isSafeInteger(rootSeed) || rootSeed < 0) {
    throw new RangeError(`deriveSeed: the root seed must be a non-negative safe integer, got ${rootSeed}`);
  }
  // Both halves of a seed above 2^32 count.
  let h = fold(mix32(rootSeed >>> 0), Math.floor(rootSeed / 2 ** 32));
  for (const label of labels) h = fold(h, label);
  return h >>> 0;
}

/** sfc32: a small, fast generator with a 128-bit state; good enough for simulation. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** A uniform integer in [0, bound). */
  int(bound: number): number {
    if (!(bound >= 1) || !Number.isSafeInteger(bound)) {
      throw new RangeError(`Random.int: bound must be a positive safe integer, got ${bound}`);
    }
    if (bound <= 4294967296) return Math.floor(this.next() * bound);
    // Rounding can carry the fraction up to exactly 1 for the largest draws.
    const value = Math.floor(((this.nextU32() * 4294967296 + this.nextU32()) / 2 ** 64) * bound);
    return Math.min(value, bound - 1);
  }

  /** An exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}
