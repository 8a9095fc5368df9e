/** Unit tests of src/tools/realguest-chart.ts: the side-by-side SVG of a real run and its simulation. */
import { describe, expect, it } from 'vitest';
import { realGuestChartSvg } from '../../src/tools/realguest-chart.js';
import type { RealRow, SimRow } from '../../src/tools/realguest-runs.js';

function real(t: number, values: Record<string, number>): RealRow {
  return { t, values, kmsg: '', hog: '' };
}
function sim(t: number): SimRow {
  return { t, actualMiB: 100, freeMiB: 50, anonMiB: 20, cacheMiB: 10, swapIn: t * 5, swapOut: 0, majorFaults: t, refaults: 0, oomKills: 0, oomEvents: 0, workWanted: 0, workDone: 0 };
}

describe('realGuestChartSvg', () => {
  const rows = [0, 1, 2].map((t) => real(t, { actual_mib: 100, MemFree: 51_200, Cached: 10_240, AnonPages: 20_480, pswpin: t * 5, pgmajfault: t }));
  const svg = realGuestChartSvg('squeeze <1>', rows, [0, 1, 2].map(sim));

  it('is one SVG document with the title escaped and a legend', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="440" viewBox="0 0 1080 440"')).toBe(true);
    expect(svg).toContain('squeeze &lt;1&gt;');
    expect(svg).toContain('real Linux guest');
    expect(svg).toContain('balloonsim');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('has a panel per figure; major faults when the real run has no file refaults, refaults when it has', () => {
    for (const title of ['balloon: actual size', 'free memory', 'page cache', 'anonymous memory', 'swap-in', 'major faults']) expect(svg).toContain(title);
    expect(svg).not.toContain('file refaults');
    const withRefaults = realGuestChartSvg('r', rows.map((r) => ({ ...r, values: { ...r.values, refault_file: r.t } })), [0, 1, 2].map(sim));
    expect(withRefaults).toContain('file refaults');
  });
});
