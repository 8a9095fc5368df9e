import { describe, expect, it } from 'vitest';
import type { HostEvent } from '../../src/host/event-log.js';
import { REPORT_EVENTS_MAX, REPORT_GUESTS_MAX, runReportData, runReportHtml } from '../../src/output/report-html.js';
import { GUEST_FIGURES, TimeSeries } from '../../src/output/time-series.js';
import type { GuestSample } from '../../src/runtime/sample.js';
import type { RunSummary } from '../../src/runtime/summary.js';

const MiB = 2 ** 20;
const FRAME = 4096;

function summaryOf(names: string[]): RunSummary {
  return {
    scenario: 's',
    seed: 1,
    ticks: 3,
    simulatedSeconds: 3,
    host: { memoryBytes: 1024 * MiB, frameBytes: FRAME, hypervisorFrames: 256, policy: { name: 'static', periodSeconds: 1, parameters: {}, paused: false }, backing: 'lazy' },
    guests: names.map((name) => ({ name, alive: true, bootBytes: 64 * MiB, maxBytes: 64 * MiB, targetBytes: 0, actualBytes: 0, residentBytes: 0, balloonBytes: 0, peakBalloonBytes: 0, usedBytes: 0, oomKills: 0, majorFaults: 0, swapOutPages: 0 })),
    audit: { checks: 3, fullChecks: 1, violations: 0, firstViolations: [] },
  } as unknown as RunSummary;
}

function seriesOf(names: string[], fill: (figure: string, guest: number, i: number) => number): TimeSeries {
  const series = new TimeSeries(names, FRAME, (1024 * MiB) / FRAME);
  for (let i = 0; i < 3; i++) {
    series.add({
      timeMs: (i + 1) * 1000,
      freeFrames: 1000 * (3 - i),
      hostSwapUsedPages: 512 * i,
      hostState: 'high',
      guests: names.map((name, g) => {
        const sample = { name, alive: true } as GuestSample;
        for (const figure of GUEST_FIGURES) sample[figure] = fill(figure, g, i);
        return sample;
      }),
    });
  }
  return series;
}

describe('the data of report.html', () => {
  it('has each guest\'s series in MiB, percentages for pressure and rates for faults', () => {
    const names = ['a', 'b'];
    const series = seriesOf(names, (figure, g, i) => (figure === 'psiSomeAvg10' ? 0.25 : figure === 'majorFaultsTotal' ? 10 * (i + 1) : figure === 'balloonPages' ? 256 * (g + 1) : 0));
    const data = runReportData(summaryOf(names), series, []);
    expect(data.timesS).toEqual([1, 2, 3]);
    expect(data.hostFreeMiB).toEqual([(3000 * FRAME) / MiB, (2000 * FRAME) / MiB, (1000 * FRAME) / MiB].map((v) => Math.round(v * 100) / 100));
    expect(data.hostSwapMiB).toEqual([0, 2, 4]);
    expect(data.guests[1]!.series.balloon).toEqual([2, 2, 2]);
    expect(data.guests[0]!.series.psiSomePct).toEqual([25, 25, 25]);
    expect(data.guests[0]!.series.majorFaultsPerS).toEqual([10, 10, 10]);
    expect(data.costsAllZero).toBe(false);
    expect(data.hostReservedMiB).toBe(1);
  });

  it('says when every cost stayed at zero', () => {
    expect(runReportData(summaryOf(['a']), seriesOf(['a'], () => 0), []).costsAllZero).toBe(true);
  });

  it('with nothing notable, draws the first guests and adds up the others; lists the first events and counts them all', () => {
    const names = Array.from({ length: REPORT_GUESTS_MAX + 2 }, (_, i) => `g${i}`);
    const series = seriesOf(names, (figure) => (figure === 'residentPages' ? 256 : 0));
    const events: HostEvent[] = Array.from({ length: REPORT_EVENTS_MAX + 5 }, (_, i) => ({ timeMs: i, kind: i % 2 === 0 ? 'setTarget' : 'policy', guest: 'g0', detail: `e${i}` }));
    const data = runReportData(summaryOf(names), series, events);
    expect(data.guests).toHaveLength(REPORT_GUESTS_MAX);
    expect(data.guestsOmitted).toBe(2);
    expect(data.otherResidentMiB).toEqual([2, 2, 2]);
    expect(data.guests.map((g) => g.name)).toEqual(names.slice(0, REPORT_GUESTS_MAX));
    expect(data.notes.join(' ')).toMatch(/16 of 18 guests are drawn one by one/);
    expect(data.events.shown).toHaveLength(REPORT_EVENTS_MAX);
    expect(data.events.omitted).toBe(5);
    expect(data.events.counts).toEqual({ setTarget: Math.ceil((REPORT_EVENTS_MAX + 5) / 2), policy: Math.floor((REPORT_EVENTS_MAX + 5) / 2) });
  });
});

describe('the report of what it cannot draw', () => {
  it('names the function called and the argument, instead of "series.freeFramesColumn is not a function"', () => {
    const summary = { scenario: 's', host: {}, guests: [] } as unknown as RunSummary;
    expect(() => runReportHtml(summary, null as never, [])).toThrow(/^runReportHtml: series must be a TimeSeries fed by the run's samples .*got null/);
    expect(() => runReportData(null as never, new TimeSeries([], 4096, 16), [])).toThrow(/^runReportData: summary must be a run's summary .*got null/);
    expect(() => runReportData(summary, new TimeSeries([], 4096, 16), [], null as never)).toThrow(new TypeError('runReportData: options must be an object ({ guests }, each optional), got null (an empty value)'));
    expect(() => runReportData(summary, new TimeSeries([], 4096, 16), null as never)).toThrow(/^runReportData: events must be the run's event log, a list .*got null/);
    expect(() => runReportHtml(summary, new TimeSeries([], 4096, 16), [], { guest: ['a'] } as never)).toThrow(/^runReportHtml: unknown option "guest" \(did you mean "guests"\?/);
  });
});
