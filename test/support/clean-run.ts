import { expect } from 'vitest';
import type { RunSummary } from '../../src/runtime/summary.js';

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

