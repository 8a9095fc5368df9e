import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/runtime/simulate.js';
import type { RunSummary } from '../../src/runtime/summary.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import { arbitraryScenario } from '../support/scenarios.js';

/** What must hold at the end of every honest run (DESIGN.md invariants 1 to 4, 6). */
export function expectCleanRun(summary: RunSummary): void {
  expect(summary.audit.firstViolations).toEqual([]);
  expect(summary.audit.violations).toBe(0);
  expect(summary.audit.fullChecks).toBeGreaterThan(0);
  expect(summary.host.transferFailures).toBe(0);
  expect(summary.host.protocolViolations).toBe(0);
  const host = summary.host;
  expect(host.freeFrames + host.hypervisorFrames + host.guestFrames).toBe(host.frames);
  for (const guest of summary.guests) {
    const states = Object.values(guest.pageStates).reduce((a, b) => a + b, 0);
    expect(states * host.frameBytes).toBe(guest.maxBytes);
    if (!guest.alive) expect(guest.residentBytes).toBe(0);
  }
}

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
