/**
 * Free-running mode: a grant that waits for frames is answered by the
 * manager's plan made after it began waiting, not at the worker's next round.
 * A worker runs rounds ahead of the manager's clock, so its next round
 * usually comes before the manager has seen the grant; completed then, the
 * grant was short for want of time, the guest's driver backed off, and
 * deflating guests got almost nothing although the host had free memory to
 * spare (four churning xen guests: 0 to 14,492 pages deflated in 20 simulated
 * seconds and 87 to 261 short grants each, where lockstep deflates 28,984 each).
 */
import { describe, expect, it } from 'vitest';
import { simulateFree } from '../../../src/runtime/free/simulate-free.js';
import { guest, MiB, scenario } from '../../support/scenarios.js';

/** Four xen guests (deflates come back with frames) whose balloons swing between 5 % and 100 % every 2 simulated seconds; the host has room for all of them. */
function churn() {
  const guests = Array.from({ length: 4 }, (_, i) =>
    guest(`churn-${i}`, { driver: { profile: 'xen', batchPages: 512, inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false } }),
  );
  return scenario({
    durationMs: 20_000,
    tickMs: 100,
    host: { memoryBytes: (4 * 64 + 64) * MiB, reservedBytes: 32 * MiB, swapBytes: 0, backing: 'eager', policy: { kind: 'rotate', periodMs: 2000, lowPercentOfMax: 5, groups: 2 } },
    guests,
  });
}

describe('free-running grants', () => {
  for (const workers of [1, 2]) {
    it(`deflating guests get their frames whole when the host has them (${workers} worker${workers > 1 ? 's' : ''})`, async () => {
      const { summary } = await simulateFree(churn(), { workers });
      expect(summary.audit.violations).toBe(0);
      for (const g of summary.guests) {
        // Almost never short: 0 in most runs, but 6 or 7 on 2 workers in about one run of six on a busy machine (2026-12-06, cause
        // not found: 43 runs under delayed batches and CPU hogs the next day gave none); the fault this test guards against gave 87 to 261 each.
        expect.soft(g.driver.shortGrants, g.name).toBeLessThanOrEqual(20);
        // Each guest is let out of its balloon four or five times in 20 s: far more than one swing's 15,564 pages.
        expect.soft(g.driver.deflatedPages, g.name).toBeGreaterThan(20_000);
      }
    }, 60_000);
  }
});
