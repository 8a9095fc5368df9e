/**
 * The registry of running runs (src/runtime/run-watch.ts) that watchdogs ask
 * where every run is: runs come and go, a describer that throws says so, and
 * a lockstep run says its tick and stage.
 */
import { describe, expect, it } from 'vitest';
import { describeRunningRuns, watchRun } from '../../src/runtime/run-watch.js';
import { simulate } from '../../src/runtime/simulate.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

describe('the registry of running runs', () => {
  it('lists the runs registered and not yet ended, and a describer that throws', () => {
    const endA = watchRun(() => 'run a: tick 3');
    const endB = watchRun(() => {
      throw new Error('broken');
    });
    expect(describeRunningRuns()).toBe('run a: tick 3\n(a run could not describe itself: broken)');
    endB();
    expect(describeRunningRuns()).toBe('run a: tick 3');
    endA();
    expect(describeRunningRuns()).toBe('');
    expect(() => watchRun('text' as never)).toThrow(/^watchRun: describe must be a function/);
  });

  it('a lockstep run says its tick and stage while it runs, and leaves when it ends', async () => {
    const seen: string[] = [];
    const s = scenario({ name: 'watched', durationMs: 5000, guests: [guest('a', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB, kernelBytes: 2 * MiB })] });
    await simulate(s, { placement: 'inline', onProgress: () => seen.push(describeRunningRuns()) });
    // Progress is reported after the tick's audit.
    expect(seen[0]).toBe('lockstep run of watched (inline placement, 1 thread): tick 0 of 5, the manager reading the device reports and auditing');
    expect(describeRunningRuns()).toBe('');
  });
});
