/**
 * Unit tests of src/runtime/free/free-run.ts: the free-running coordinator, driven directly on a
 * 5-tick scenario with one or two guest workers (needs `npm run build`: dist/).
 */
import { describe, expect, it } from 'vitest';
import { FreeRun } from '../../../src/runtime/free/free-run.js';
import { prepareRun } from '../../../src/runtime/run-setup.js';
import { expectCleanRun } from '../../support/clean-run.js';
import { tinyScenario } from '../../support/tiny-run.js';

describe('FreeRun', () => {
  it('runs every round of every worker to a clean end, with its figures, and closes once', async () => {
    const run = new FreeRun(await prepareRun(tinyScenario()), { workers: 2, window: 2, leadRounds: 2 });
    try {
      const result = await run.execute();
      expect(result.summary.ticks).toBe(5);
      expect(result.summary.timing).toMatchObject({ mode: 'free', placement: 'workers' });
      expect(result.summary.timing.threads).toBeGreaterThanOrEqual(1);
      expect(result.batches).toBeGreaterThanOrEqual(5);
      expect(result.messages).toBeGreaterThan(0);
      expect(result.runSeconds).toBeGreaterThan(0);
      expect(result.summary.audit.concurrent?.sweeps).toBeGreaterThanOrEqual(0);
      expectCleanRun(result.summary);
    } finally {
      await run.close();
      await run.close();
    }
  });

  it('without the concurrent auditor, reports no concurrent audit', async () => {
    const run = new FreeRun(await prepareRun(tinyScenario()), { workers: 1, audit: false });
    try {
      const { summary } = await run.execute();
      expect(summary.audit.concurrent).toBeUndefined();
      expectCleanRun(summary);
    } finally {
      await run.close();
    }
  });

  it('ends early at a quiescent point when told to by its wall-time limit', async () => {
    const run = new FreeRun(await prepareRun(tinyScenario({ durationMs: 3_600_000 })), { workers: 1, wallLimitMs: 300 });
    try {
      const { summary } = await run.execute();
      expect(summary.ticks).toBeLessThan(3600);
      expectCleanRun(summary);
    } finally {
      await run.close();
    }
  });

  it('rejects with an AbortError, saying where it was, once its signal is aborted', async () => {
    const controller = new AbortController();
    const run = new FreeRun(await prepareRun(tinyScenario({ durationMs: 3_600_000 })), { workers: 1, signal: controller.signal });
    const running = run.execute();
    setTimeout(() => controller.abort(), 100);
    try {
      await expect(running).rejects.toMatchObject({ name: 'AbortError', message: expect.stringMatching(/^simulateFree \(at host tick \d+ of 3600\) was aborted$/) });
    } finally {
      await run.close();
    }
  });
});
