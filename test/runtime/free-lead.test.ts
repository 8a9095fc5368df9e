/**
 * Free-running mode: a worker never runs more than `leadRounds` rounds ahead
 * of the manager's clock, so the manager's orders reach every guest soon in
 * its own time, even when another worker is slow. Without the bound, the
 * fast worker ran its guest to the end of the run before the manager's clock
 * reached the target change below.
 */
import { describe, expect, it } from 'vitest';
import { simulateFree } from '../../src/runtime/free/simulate-free.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

const CHANGE_MS = 5000;
const TICK_MS = 1000;

describe('free-running workers and the manager\'s clock', () => {
  it('a target change reaches a fast worker\'s guest within the lead (and window) of rounds, while the other worker is slow', async () => {
    const s = scenario({
      durationMs: 40_000,
      tickMs: TICK_MS,
      guests: [guest('fast'), guest('slow')],
      events: [{ atMs: CHANGE_MS, kind: 'setTarget', guest: 'fast', target: { bytes: 32 * MiB } }],
    });
    const leadRounds = 2;
    const window = 2;
    // Worker 1's batches each take 15 ms to reach the coordinator: the manager's clock follows it.
    const { summary } = await simulateFree(s, {
      workers: 2,
      window,
      leadRounds,
      deliver: (worker, direction) => (worker === 1 && direction === 'to-host' ? new Promise((resolve) => setTimeout(resolve, 15)) : Promise.resolve()),
    });
    const fast = summary.guests.find((g) => g.name === 'fast')!;
    expect(fast.driver.targetChanges).toBeGreaterThan(0);
    // The change is made at host tick 5 and goes out with the answer to the fast worker's next batch; that worker is at
    // most leadRounds + window rounds ahead, and the answer is read one round later.
    expect(fast.driver.lastTargetChangeMs).toBeGreaterThanOrEqual(CHANGE_MS);
    expect(fast.driver.lastTargetChangeMs).toBeLessThanOrEqual(CHANGE_MS + (leadRounds + window + 1) * TICK_MS);
    expect(summary.audit.violations).toBe(0);
  }, 60_000);

  it('refuses a lead that is not a positive whole number of rounds', async () => {
    const s = scenario({ durationMs: 2000, guests: [guest('a')] });
    await expect(simulateFree(s, { workers: 1, leadRounds: 0 })).rejects.toThrow(/leadRounds must be a positive integer/);
  });
});
