/** Unit tests of src/messages/runtime.ts: a guest report's pressure figures and driver counters. */
import { describe, expect, it } from 'vitest';
import { DRIVER_REPORT_START, driverReportOf, pressureFigures, type DriverReport } from '../../src/messages/runtime.js';

describe('pressureFigures', () => {
  it('takes the 10, 60 and 300 s averages of `some` and of `full`, in that order', () => {
    expect(pressureFigures([0.1, 0.2, 0.3], [0.4, 0.5, 0.6])).toEqual({ someAvg10: 0.1, someAvg60: 0.2, someAvg300: 0.3, fullAvg10: 0.4, fullAvg60: 0.5, fullAvg300: 0.6 });
  });
});

describe('driverReportOf', () => {
  it('copies the report\'s counters, in the report\'s order, and nothing else', () => {
    const counters = { ...DRIVER_REPORT_START, inflatedPages: 42, outOfPuff: 3, peakBalloonPages: 99 };
    const report = driverReportOf(counters);
    expect(Object.keys(report)).toEqual(Object.keys(DRIVER_REPORT_START));
    expect(report.inflatedPages).toBe(42);
    expect(report.outOfPuff).toBe(3);
    expect('peakBalloonPages' in report).toBe(false);
  });

  it('is a copy: later counts do not change a report already made', () => {
    const counters: DriverReport = { ...DRIVER_REPORT_START };
    const report = driverReportOf(counters);
    counters.deflatedPages = 7;
    expect(report.deflatedPages).toBe(0);
  });

  it('starts with the durations not yet measured (-1) and every count at 0', () => {
    const report = driverReportOf(DRIVER_REPORT_START);
    expect([report.inflateToTargetMs, report.deflateToTargetMs]).toEqual([-1, -1]);
    expect(report.inflatedPages + report.releaseMessages + report.requestMessages).toBe(0);
  });
});
