/**
 * scripts/lib/fault-probe.cjs: the cost of a first touch of fresh memory on
 * this machine, printed by `npm run bench` and `npm run bench:side` beside
 * their figures. Its figure is not checked (a shared machine), only that it
 * measures page faults: touching fresh memory costs more than touching the
 * same pages again.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/lib/fault-probe.cjs', import.meta.url));
const { probe } = createRequire(import.meta.url)(script) as { probe: (bytes: number) => { microsPerPage: number; systemMicrosPerPage: number; pages: number } };

describe('the page-fault probe', () => {
  it('prints one JSON line with the microseconds a page of fresh memory costs', () => {
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const figures = JSON.parse(run.stdout) as Record<string, number>;
    expect(Object.keys(figures).sort()).toEqual(['microsPerPage', 'pages', 'systemMicrosPerPage']);
    expect(figures.pages).toBe(32_768);
    expect(figures.microsPerPage).toBeGreaterThan(0);
    expect(figures.systemMicrosPerPage).toBeGreaterThanOrEqual(0);
  });

  it('counts the faults: the kernel does the work of a first touch', () => {
    const before = process.resourceUsage().minorPageFault;
    const figures = probe(16 * 1024 * 1024);
    const faults = process.resourceUsage().minorPageFault - before;
    expect(figures.pages).toBe(4096);
    // One fault per 4 KiB page touched (4,096 here), or one per 2 MiB where the kernel gives huge pages unasked
    // (transparent huge pages set to `always`): at least 8 either way, where a probe touching nothing makes none.
    expect(faults).toBeGreaterThanOrEqual(8);
  });
});
