/**
 * Free-running mode end to end on real threads: honest runs end clean with a
 * continuous audit that made checks; the run can be cut short by wall time
 * and still ends at a quiescent point. (Free-running mode has no hook to break
 * the host; that the concurrent auditor catches a frame given to two guests
 * is tested over an inline world in test/property/broken-host.test.ts.)
 */
import fc from 'fast-check';
import { guestView, hostView } from '../../host/manager/policies/views.js';
import { describe, expect, it } from 'vitest';
import { RotatePolicy } from '../../../src/host/manager/policies/rotate-policy.js';
import { simulateFree } from '../../../src/runtime/free/simulate-free.js';
import type { Scenario } from '../../../src/model/scenario.js';
import { expectCleanRun } from '../../support/clean-run.js';
import { assertProperty, propertyParams } from '../../support/fc.js';
import { arbitraryScenario, guest, MiB, scenario } from '../../support/scenarios.js';

const params = propertyParams('free-running runs are clean', { numRuns: 6 });

describe(`free-running mode on random scenarios (seed ${params.seed})`, () => {
  it('keeps every invariant, checked continuously and at the end', async () => {
    await assertProperty(
      fc.asyncProperty(arbitraryScenario({ crashes: true }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), async (s, workers, window) => {
        const { summary } = await simulateFree(s, { workers, window });
        expectCleanRun(summary);
        expect(summary.timing.mode).toBe('free');
        expect(summary.audit.concurrent!.violations).toBe(0);
        expect(summary.audit.concurrent!.tableEntriesChecked).toBeGreaterThan(0);
      }),
      params,
    );
  });
});

/** Guest a holds its memory all run long; guest b grows later. */
function growingScenario(): Scenario {
  return scenario({
    durationMs: 120_000,
    host: { memoryBytes: 256 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
    guests: [
      guest('a', { memoryBytes: 64 * MiB, maxMemoryBytes: 64 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 32 * MiB } }] }),
      guest('b', { memoryBytes: 64 * MiB, maxMemoryBytes: 64 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'steps', steps: [{ atMs: 0, bytes: 0 }, { atMs: 5000, bytes: 32 * MiB }] } }] }),
    ],
  });
}

describe('free-running mode with guests that grow while others hold their memory', () => {
  it('is clean, and the concurrent auditor read the guests\' maps', async () => {
    const { summary } = await simulateFree(growingScenario(), { workers: 2 });
    expect(summary.audit.violations).toBe(0);
    expect(summary.audit.concurrent!.mappedPagesChecked).toBeGreaterThan(0);
  });
});

describe('free-running runs cut short by wall time', () => {
  it('end at a quiescent point with a clean audit', async () => {
    const s = { ...growingScenario(), durationMs: 3_600_000 * 100 };
    const started = performance.now();
    const { summary } = await simulateFree(s, { workers: 2, wallLimitMs: 1500 });
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(summary.ticks).toBeLessThan(360_000);
    expectCleanRun(summary);
  });
});

describe('the rotate policy', () => {
  it('squeezes one group at a time and gives the others their maximum', () => {
    const policy = new RotatePolicy(10_000, 25, 3);
    const view = (nowMs: number) =>
      hostView([0, 1, 2, 3].map((index) => guestView(index, { alive: index !== 2, memoryPages: 100, maxPages: 100, targetPages: 100 })), { nowMs, frames: 1000, freeFrames: 0 });
    expect([...policy.decide(view(0))]).toEqual([[0, 25], [1, 100], [3, 25]]);
    expect([...policy.decide(view(10_000))]).toEqual([[0, 100], [1, 25], [3, 100]]);
    expect([...policy.decide(view(25_000))]).toEqual([[0, 100], [1, 100], [3, 100]]);
  });
});

