/**
 * The free-running runner's stall watchdog (simulate-free.ts, `stallMs`;
 * free-watchdog.ts): a worker whose batches stop reaching the host fails the
 * run with a report of the host's clock and every worker's rounds, silence
 * and held batches, instead of hanging; and a running run can be described
 * on demand (run-watch.ts).
 */
import { describe, expect, it } from 'vitest';
import { RunFailure } from '../../src/runtime/errors.js';
import { simulateFree } from '../../src/runtime/free/simulate-free.js';
import { describeRunningRuns } from '../../src/runtime/run-watch.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

const stallScenario = () =>
  scenario({
    name: 'stall',
    durationMs: 30_000,
    guests: [0, 1, 2].map((i) => guest(`g${i}`, { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB, kernelBytes: 2 * MiB })),
    host: { memoryBytes: 64 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'rotate', periodMs: 3000, lowPercentOfMax: 60, groups: 3 } },
  });

describe('the free-running stall watchdog', () => {
  it('fails a run whose worker went silent, saying where the host and every worker were', async () => {
    const sent = [0, 0, 0];
    // Worker 0's batches stop reaching the host after its fifth: it waits for answers that never come.
    const deliver = (worker: number, direction: string): Promise<unknown> => {
      if (direction === 'to-host' && worker === 0 && ++sent[0]! > 5) return new Promise(() => {});
      return Promise.resolve();
    };
    const failure = await simulateFree(stallScenario(), { workers: 3, deliver, stallMs: 1000 }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RunFailure);
    const { code, message } = failure as RunFailure;
    expect(code).toBe('RUN_STALLED');
    expect(message).toMatch(/^free-running run stalled: no batch for 1\.0 s\nfree-running run of stall: host tick 5 of 30, \d+ batches handled\n/);
    expect(message).toMatch(/\n {2}worker 0 \(g0\): running, rounds handled 5, silent \d+\.\d s, batches held to the host [1-4], to the guests 0/);
    // The others ran their lead (4 rounds) past the host's clock and wait there for it.
    expect(message).toMatch(/\n {2}worker 1 \(g1\): running, rounds handled 10, silent \d+\.\d s/);
    expect(describeRunningRuns(), 'the run left the registry').toBe('');
  });

  it('lets a running run describe itself on demand', async () => {
    const seen: string[] = [];
    // Three guests in three shards on two workers, dealt round robin: worker 0 hosts g0 and g2.
    const { summary } = await simulateFree(stallScenario(), { workers: 2, stallMs: 30_000, onProgress: () => seen.push(describeRunningRuns()) });
    expect(summary.audit.violations).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toMatch(/^free-running run of stall: host tick \d+ of 30, \d+ batches handled\n {2}worker 0 \(g0, g2\): /);
  });
});
