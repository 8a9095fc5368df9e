/**
 * The pool of release arenas: an arena given back goes to the next taker of
 * its length, never to two takers, and the pool keeps no more than its limit.
 */
import { describe, expect, it } from 'vitest';
import { ArenaPool } from '../../src/guest/arena-pool.js';
import { ReleaseBatch } from '../../src/guest/release-batch.js';

describe('ArenaPool', () => {
  it('hands an arena given back to the next taker of its length, once', () => {
    const pool = new ArenaPool(1 << 20);
    const arena = pool.take(1024);
    expect(arena.length).toBe(1024);
    pool.give(arena);
    expect(pool.bytes).toBe(4096);
    expect(pool.take(2048)).not.toBe(arena);
    expect(pool.take(1024)).toBe(arena);
    expect(pool.take(1024)).not.toBe(arena);
    expect(pool.bytes).toBe(0);
  });

  it('keeps no more bytes than its limit', () => {
    const pool = new ArenaPool(10_000);
    pool.give(new Int32Array(2000));
    pool.give(new Int32Array(1000));
    expect(pool.bytes).toBe(8000);
  });
});

describe('ReleaseBatch with a pool', () => {
  function sendMany(batch: ReleaseBatch, messages: number, first: number): Int32Array[] {
    const views: Int32Array[] = [];
    for (let m = 0; m < messages; m++) {
      batch.begin(false);
      for (let i = 0; i < 4096; i++) batch.add(first + m * 4096 + i);
      views.push(batch.seal(m).frames);
    }
    return views;
  }

  it('gives an outgrown arena to the pool only at its next step, when its releases have been read', () => {
    const pool = new ArenaPool(1 << 24);
    const batch = new ReleaseBatch(4096, pool);
    batch.newStep();
    // Ten full messages: the first arena (four messages) is outgrown during the step.
    const views = sendMany(batch, 10, 0);
    expect(pool.bytes).toBe(0);
    // Another guest growing meanwhile gets a fresh arena: the views of this step stay intact.
    const other = new ReleaseBatch(4096, pool);
    other.newStep();
    sendMany(other, 10, 1_000_000);
    views.forEach((view, m) => expect(view[0]).toBe(m * 4096));
    batch.newStep();
    expect(pool.bytes).toBeGreaterThan(0);
  });

  it('borrows arenas of one size for a burst and gives them all back at the next step, keeping its own', () => {
    const pool = new ArenaPool(1 << 24);
    const batch = new ReleaseBatch(4096, pool);
    batch.newStep();
    const own = batch.arena;
    // Four messages fill an arena (16384 frames): ten take three arenas, the last one still in use.
    sendMany(batch, 10, 0);
    expect(batch.arena).not.toBe(own);
    expect(batch.arena.length).toBe(own.length);
    batch.newStep();
    // The two filled arenas are back; the one in use stays the batch's.
    expect(pool.bytes).toBe(2 * 16_384 * 4);
    // A second burst borrows them again: nothing new is made.
    sendMany(batch, 10, 0);
    expect(pool.bytes).toBe(0);
    batch.newStep();
    expect(pool.bytes).toBe(2 * 16_384 * 4);
    batch.begin(false);
    batch.add(5);
    expect(Array.from(batch.seal(1).frames)).toEqual([5]);
  });
});
