/**
 * balloonsim against the measured runs of a real Linux guest
 * (validation/realguest/): every figure within the tolerance the README
 * states. `npm run validate:realguest` prints the same table.
 */
import { describe, expect, it } from 'vitest';
import { validateRealGuest } from '../../src/tools/validate-realguest.js';
import { withinTolerance } from '../../src/tools/realguest-runs.js';

describe('the real-guest validation', () => {
  it('reproduces every figure of the four measured runs within its stated tolerance', async () => {
    const results = await validateRealGuest(process.cwd());
    expect(results.map((r) => r.name)).toEqual(['e1-idle', 'e3-hog-swap-hot', 'e5-deflate-on-oom', 'e8-pagecache']);
    const out = results.flatMap((r) => r.figures).filter((f) => !f.ok).map((f) => `${f.run} ${f.figure}: real ${f.real}, sim ${f.sim} (${f.tolerance})`);
    expect(out).toEqual([]);
  }, 120_000);

  it('fails a figure that leaves its tolerance', () => {
    expect(withinTolerance(100, 139, { relative: 0.4 })).toBe(true);
    expect(withinTolerance(100, 141, { relative: 0.4 })).toBe(false);
    expect(withinTolerance(0, 1, { absolute: 0 })).toBe(false);
    expect(withinTolerance(3, 4.5, { absolute: 1.5 })).toBe(true);
  });
});
