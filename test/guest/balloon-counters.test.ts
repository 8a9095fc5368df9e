import { describe, expect, it } from 'vitest';
import { newBalloonDriverCounters } from '../../src/guest/balloon-counters.js';
import { DRIVER_REPORT_START, driverReportOf } from '../../src/messages/runtime.js';

describe('newBalloonDriverCounters', () => {
  it('starts every count at 0 and the "not yet" times at -1', () => {
    const counters = newBalloonDriverCounters();
    const notYet = ['inflateToTargetMs', 'deflateToTargetMs'];
    for (const [name, value] of Object.entries(counters)) expect([name, value]).toEqual([name, notYet.includes(name) ? -1 : 0]);
  });

  it('starts as the report starts: every counter of DRIVER_REPORT_START, at its value, and the two the guest reports elsewhere', () => {
    const counters = newBalloonDriverCounters();
    expect(driverReportOf(counters)).toEqual(DRIVER_REPORT_START);
    expect(Object.keys(counters)).toEqual([...Object.keys(DRIVER_REPORT_START), 'peakBalloonPages', 'oomDeflatedPages']);
  });

  it('gives each driver counters of its own', () => {
    const a = newBalloonDriverCounters();
    const b = newBalloonDriverCounters();
    a.inflatedPages = 5;
    expect(b.inflatedPages).toBe(0);
  });
});
