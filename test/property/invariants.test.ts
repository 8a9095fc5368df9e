import fc from 'fast-check';
import { describe, it } from 'vitest';
import { simulate } from '../../src/runtime/simulate.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import { expectCleanRun } from '../support/clean-run.js';
import { arbitraryScenario } from '../support/scenarios.js';

export { expectCleanRun };

const params = propertyParams('invariants on worker threads', { numRuns: 30 });

describe(`random target and demand changes on real worker threads (seed ${params.seed})`, () => {
  it('keep every invariant: one owner per frame, conservation, no frame mapped twice', async () => {
    await assertProperty(
      fc.asyncProperty(arbitraryScenario(), fc.integer({ min: 1, max: 3 }), async (scenario, workers) => {
        const { summary } = await simulate(scenario, { placement: 'workers', workers, auditEveryTicks: 1 });
        expectCleanRun(summary);
      }),
      params,
    );
  });
});
