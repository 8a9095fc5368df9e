import { describe, expect, it } from 'vitest';
import { StackFreePool } from '../../src/host/free-pool.js';

describe('StackFreePool', () => {
  it('starts empty and pops -1 when empty', () => {
    const pool = new StackFreePool(4);
    expect(pool.size).toBe(0);
    expect(pool.pop()).toBe(-1);
    expect(Array.from(pool.contents())).toEqual([]);
  });

  it('pops in LIFO order and tracks its size', () => {
    const pool = new StackFreePool(4);
    pool.push(10);
    pool.push(11);
    pool.push(12);
    expect(pool.size).toBe(3);
    expect(pool.pop()).toBe(12);
    expect(pool.pop()).toBe(11);
    pool.push(20);
    expect(pool.pop()).toBe(20);
    expect(pool.pop()).toBe(10);
    expect(pool.pop()).toBe(-1);
    expect(pool.size).toBe(0);
  });

  it('shows exactly the pooled frames in contents()', () => {
    const pool = new StackFreePool(8);
    for (const frame of [5, 3, 7]) pool.push(frame);
    pool.pop();
    expect(pool.contents()).toBeInstanceOf(Int32Array);
    expect(Array.from(pool.contents())).toEqual([5, 3]);
  });

  it('refuses a push into a full pool, saying so, and stays usable', () => {
    const pool = new StackFreePool(2);
    pool.push(0);
    pool.push(1);
    expect(() => pool.push(2)).toThrow(/^StackFreePool\.push: pool is full \(2 frames\); frame 2 pushed twice\?/);
    expect(pool.size).toBe(2);
    expect(Array.from(pool.contents())).toEqual([0, 1]);
    expect(pool.pop()).toBe(1);
    pool.push(2);
    expect(Array.from(pool.contents())).toEqual([0, 2]);
  });

  it('can have capacity 0', () => {
    const pool = new StackFreePool(0);
    expect(pool.pop()).toBe(-1);
    expect(() => pool.push(0)).toThrow(/full/);
  });

  it('rejects a capacity that is not a non-negative integer, naming itself', () => {
    for (const capacity of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new StackFreePool(capacity)).toThrow(/^StackFreePool: /);
    }
  });
});

describe('RangeFreePool', () => {
  it('hands frames out in the order of a StackFreePool filled high to low, given-back frames first', async () => {
    const { RangeFreePool } = await import('../../src/host/range-free-pool.js');
    const range = new RangeFreePool(10, 2, 10);
    const stack = new StackFreePool(10);
    for (let frame = 9; frame >= 2; frame--) stack.push(frame);
    const order = (pool: { pop(): number; push(frame: number): void }): number[] => {
      const out = [pool.pop(), pool.pop(), pool.pop()];
      pool.push(out[1]!);
      pool.push(out[0]!);
      for (let frame = pool.pop(); frame >= 0; frame = pool.pop()) out.push(frame);
      return out;
    };
    expect(order(range)).toEqual(order(stack));
  });

  it('counts the untouched range in its size, lists only given-back frames, and refuses to overflow', async () => {
    const { RangeFreePool } = await import('../../src/host/range-free-pool.js');
    const pool = new RangeFreePool(4, 1, 4);
    expect(pool.size).toBe(3);
    expect(pool.untouched()).toEqual({ start: 1, end: 4 });
    expect(pool.pop()).toBe(1);
    expect(pool.untouched()).toEqual({ start: 2, end: 4 });
    pool.push(1);
    pool.push(0);
    expect(Array.from(pool.contents())).toEqual([1, 0]);
    expect(pool.size).toBe(4);
    expect(() => pool.push(7)).toThrow(/pool is full/);
    expect(() => new RangeFreePool(2, 0, 3)).toThrow(RangeError);
  });
});
