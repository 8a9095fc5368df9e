/**
 * Unit tests of src/runtime/worker-placement.ts: guests on worker threads give the same run as inline
 * (two worker threads, 5 ticks), and a worker that dies is reported, not waited for (needs `npm run build`: dist/).
 */
import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { prepareRun, threadSetups } from '../../src/runtime/run-setup.js';
import { simulate } from '../../src/runtime/simulate.js';
import { splitEvenly, workerEntryPath, WorkerPlacement } from '../../src/runtime/worker-placement.js';
import { guest, MiB } from '../support/scenarios.js';
import { tinyScenario } from '../support/tiny-run.js';

describe('splitEvenly', () => {
  it('makes contiguous shares that add up and differ by at most one, the larger first', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(2, 4)).toEqual([1, 1, 0, 0]);
    expect(splitEvenly(0, 2)).toEqual([0, 0]);
    expect(splitEvenly(9, 3)).toEqual([3, 3, 3]);
  });
});

describe('workerEntryPath', () => {
  it('from the sources, is the built worker entry in dist/', () => {
    const path = workerEntryPath();
    expect(path).toMatch(/[/\\]dist[/\\]runtime[/\\]worker-entry\.js$/);
    expect(existsSync(path)).toBe(true);
  });
});

describe('the workers placement', () => {
  it('gives the summary and samples of an inline run, whatever the number of workers', async () => {
    const s = tinyScenario({ name: 'four', durationMs: 5000 });
    const four = { ...s, guests: [...s.guests, guest('c', { memoryBytes: 8 * MiB, maxMemoryBytes: 8 * MiB }), guest('d', { memoryBytes: 8 * MiB, maxMemoryBytes: 8 * MiB })] };
    const run = async (options: Parameters<typeof simulate>[1]) => {
      const samples: string[] = [];
      const { summary } = await simulate(four, { ...options, sampleEveryTicks: 1, onSample: (sample) => samples.push(JSON.stringify(sample)) });
      return { summary: JSON.stringify({ ...summary, timing: null }), samples, timing: summary.timing };
    };
    const inline = await run({ placement: 'inline' });
    const workers = await run({ placement: 'workers', workers: 2 });
    expect(workers.timing.placement).toBe('workers');
    expect(workers.samples).toEqual(inline.samples);
    expect(workers.summary).toBe(inline.summary);
  });
});

describe('a worker that dies', () => {
  it('fails the next exchange with WORKER_FAILED instead of leaving the coordinator waiting for its reply', async () => {
    const setup = await prepareRun(tinyScenario());
    const placement = new WorkerPlacement(2, { callerHostsAShare: true });
    await placement.start(threadSetups(setup, 2));
    try {
      const quick = { kind: 'quick', timeMs: 0 } as const;
      expect(await placement.audit([quick, quick])).toHaveLength(2);
      const { worker } = (placement as unknown as { slots: Array<{ worker: Worker }> }).slots[0]!;
      await worker.terminate();
      await expect(placement.audit([quick, quick])).rejects.toMatchObject({ code: 'WORKER_FAILED', message: expect.stringContaining('a worker thread exited unexpectedly') });
    } finally {
      await placement.close();
    }
  });
});
