/** Unit tests of src/tools/realguest-runs.ts: reading a real guest's CSV, the simulated rows, and tolerances. */
import { describe, expect, it } from 'vitest';
import { describeTolerance, parseRealCsv, REAL_RUNS, realGuestDir, readRealRun, simRows, withinTolerance } from '../../src/tools/realguest-runs.js';
import { fileURLToPath } from 'node:url';
import { guestSample, sampleAt } from '../support/samples.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('parseRealCsv', () => {
  it('reads a row a line, numbers by column, empty cells as NaN, and the kmsg and hog text', () => {
    const rows = parseRealCsv('t,MemFree,kmsg,hog\n0,100,,\n1,,oom-kill;pid 7,hog-1\n');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ t: 0, kmsg: '', hog: '' });
    expect(rows[0]!.values.MemFree).toBe(100);
    expect(rows[1]!.t).toBe(1);
    expect(rows[1]!.values.MemFree).toBeNaN();
    expect(rows[1]!.kmsg).toBe('oom-kill;pid 7');
    expect(rows[1]!.hog).toBe('hog-1');
  });

  it('reads every committed real run', () => {
    for (const run of REAL_RUNS) {
      const rows = readRealRun(ROOT, run.name);
      expect(rows.length, run.name).toBeGreaterThan(0);
      expect(Number.isFinite(rows[0]!.t), run.name).toBe(true);
    }
    expect(realGuestDir('/x')).toBe('/x/validation/realguest');
  });
});

describe('simRows', () => {
  it('keeps the samples at whole seconds, in MiB and totals, of the first guest', () => {
    const rows = simRows([
      sampleAt(500, [guestSample('g', { actualPages: 1 })]),
      sampleAt(1000, [guestSample('g', { actualPages: 512, freePages: 256, anonPages: 128, cachePages: 64, swapInTotal: 1, swapOutTotal: 2, majorFaultsTotal: 3, refaultsTotal: 4, oomKillsTotal: 5, oomEventsTotal: 6, workWantedTotal: 7, workDoneTotal: 8 }), guestSample('other')]),
    ]);
    expect(rows).toEqual([{ t: 1, actualMiB: 2, freeMiB: 1, anonMiB: 0.5, cacheMiB: 0.25, swapIn: 1, swapOut: 2, majorFaults: 3, refaults: 4, oomKills: 5, oomEvents: 6, workWanted: 7, workDone: 8 }]);
  });
});

describe('withinTolerance and describeTolerance', () => {
  it('accept an error within the absolute or the relative bound', () => {
    expect(withinTolerance(100, 108, { relative: 0.1 })).toBe(true);
    expect(withinTolerance(100, 111, { relative: 0.1 })).toBe(false);
    expect(withinTolerance(100, 103, { absolute: 3 })).toBe(true);
    expect(withinTolerance(100, 104, { absolute: 3 })).toBe(false);
    expect(withinTolerance(0, 2, { relative: 0.5, absolute: 2 })).toBe(true);
    expect(withinTolerance(5, 5, { absolute: 0 })).toBe(true);
    expect(withinTolerance(5, 5, {})).toBe(false);
  });
  it('compare figures that are not finite only with themselves', () => {
    expect(withinTolerance(Number.NaN, 1, { absolute: 1e9 })).toBe(false);
    expect(withinTolerance(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, {})).toBe(true);
  });
  it('describe a tolerance as a table shows it', () => {
    expect(describeTolerance({ relative: 0.25 }, 'MiB')).toBe('±25 %');
    expect(describeTolerance({ absolute: 0 }, 'kills')).toBe('exact');
    expect(describeTolerance({ relative: 0.1, absolute: 16 }, 'MiB')).toBe('±10 % or ±16 MiB');
  });
});
