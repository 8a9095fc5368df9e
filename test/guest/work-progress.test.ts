/** Work wanted and done since boot, and the progress average over 10 s (exponential, as PSI's avg10). */
import { describe, expect, it } from 'vitest';
import { WorkProgress } from '../../src/guest/work-progress.js';

describe('WorkProgress', () => {
  it('starts at full progress and adds up the totals', () => {
    const p = new WorkProgress(1000);
    expect([p.wanted, p.done, p.avg10]).toEqual([0, 0, 1]);
    p.count(100, 40);
    p.count(50, 50);
    expect([p.wanted, p.done]).toEqual([150, 90]);
  });

  it('decays toward a tick\'s progress by exp(-tick / 10 s): one 1 s tick of no progress leaves exp(-0.1)', () => {
    const p = new WorkProgress(1000);
    p.count(100, 0);
    expect(p.avg10).toBeCloseTo(Math.exp(-0.1), 12);
    // 10 s of half progress: 0.5 + (exp(-0.1) - 0.5) * exp(-1).
    for (let i = 0; i < 10; i++) p.count(10, 5);
    expect(p.avg10).toBeCloseTo(0.5 + (Math.exp(-0.1) - 0.5) * Math.exp(-1), 12);
  });

  it('counts a tick that wanted nothing as full progress, and never goes above 1', () => {
    const p = new WorkProgress(100);
    p.count(0, 0);
    expect(p.avg10).toBe(1);
    p.count(10, 20);
    expect(p.avg10).toBe(1);
  });
});
