import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/runtime/simulate.js';
import type { RunSummary } from '../../src/runtime/summary.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import { arbitraryScenario } from '../support/scenarios.js';

/** The summary without `timing`, the one part that may differ between runs. */
export function deterministicPart(summary: RunSummary): Omit<RunSummary, 'timing'> {
  const { timing: _timing, ...rest } = summary;
  return rest;
}

const params = propertyParams('placements agree', { numRuns: 20 });

describe(`inline and worker placements (seed ${params.seed})`, () => {
  it('give identical summaries for the same scenario and seed', async () => {
    await assertProperty(
      fc.asyncProperty(arbitraryScenario(), fc.integer({ min: 1, max: 4 }), async (scenario, workers) => {
        const inline = await simulate(scenario, { placement: 'inline' });
        const onWorkers = await simulate(scenario, { placement: 'workers', workers });
        expect(deterministicPart(onWorkers.summary)).toEqual(deterministicPart(inline.summary));
        expect(onWorkers.events).toEqual(inline.events);
      }),
      params,
    );
  });
});
