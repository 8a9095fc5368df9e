/** Unit tests of src/sweep/sweep-pool.ts: the warm worker threads of a sweep (needs `npm run build`: dist/). */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SweepPool, sweepThreadPath } from '../../src/sweep/sweep-pool.js';
import type { SweepTask } from '../../src/sweep/sweep-task.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

function task(index: number, seed: number): SweepTask {
  const s = scenario({
    name: `case${index}`,
    seed,
    durationMs: 3000,
    guests: [guest('g', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB })],
    host: { memoryBytes: 64 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
  });
  return { case: index, label: `seed=${seed}`, base: 'tiny', parameters: { seed }, scenario: s };
}

describe('sweepThreadPath', () => {
  it('from the sources, is the built thread file in dist/', () => {
    const path = sweepThreadPath();
    expect(path).toMatch(/[/\\]dist[/\\]sweep[/\\]sweep-thread\.cjs$/);
    expect(existsSync(path)).toBe(true);
  });
});

describe('SweepPool', () => {
  it('refuses a thread count that is not a positive whole number', () => {
    expect(() => new SweepPool(0)).toThrow('SweepPool: threads must be a positive whole number, got 0');
    expect(() => new SweepPool(1.5)).toThrow(RangeError);
  });

  describe('with one thread', () => {
    let pool: SweepPool;
    beforeAll(() => {
      pool = new SweepPool(1);
    });
    afterAll(() => pool.close());

    it('runs cases one after the other on its thread, each to its own row', async () => {
      expect(pool.threads).toBe(1);
      const [first, second] = await Promise.all([pool.run(task(0, 5)), pool.run(task(1, 6))]);
      expect(first!.row).toMatchObject({ case: 0, label: 'seed=5', status: 'ok', error: null });
      expect(first!.row.metrics?.seed).toBe(5);
      expect(second!.row).toMatchObject({ case: 1, label: 'seed=6', status: 'ok' });
      expect(second!.row.metrics?.seed).toBe(6);
    });

    it('turns a task the thread cannot take into a failed row (WORKER_FAILED), not an exception', async () => {
      // A function cannot be cloned to the thread.
      const bad = { ...task(2, 1), parameters: { f: () => 1 } } as unknown as SweepTask;
      const { row, wallSeconds } = await pool.run(bad);
      expect(row).toMatchObject({ case: 2, label: 'seed=1', base: 'tiny', status: 'failed', refused: [], warnings: [], metrics: null });
      expect(row.error?.code).toBe('WORKER_FAILED');
      expect(row.error?.message).not.toBe('');
      expect(wallSeconds).toBe(0);
    });

    it('throws when its signal was aborted, instead of giving a row', async () => {
      await expect(pool.run(task(3, 1), AbortSignal.abort())).rejects.toThrow();
    });
  });
});
