/** Unit tests of src/output/run-metrics.ts: a run's metrics from its samples (weighted by time) and its summary. */
import { describe, expect, it } from 'vitest';
import { MetricsAccumulator } from '../../src/output/run-metrics.js';
import { TimeSeries } from '../../src/output/time-series.js';
import { hostTimeSeriesCsv, parseTimeSeriesCsv, timeSeriesCsv } from '../../src/output/timeseries-csv.js';
import { guestSample, sampleAt, summaryOf } from '../support/samples.js';

const MiB = 2 ** 20;
const FRAME = 4096;

const summary = summaryOf(
  [
    { name: 'a', majorFaults: 5, swapOutPages: 9, oomKills: 1, residentBytes: 40 * FRAME, balloonBytes: 8 * FRAME },
    { name: 'b', residentBytes: 60 * FRAME },
  ],
  { scenario: 'two', seed: 17, simulatedSeconds: 3 },
);

describe('MetricsAccumulator', () => {
  it('weights means by the time each sample stands for, and takes peaks, minimums and the larger of summary and stats counts', () => {
    const metrics = new MetricsAccumulator();
    // Sample 1 stands for 0..1 s, sample 2 for 1..3 s.
    metrics.add(sampleAt(1000, [guestSample('a', { residentPages: 100, balloonPages: 10, psiSomeAvg10: 0.1 }), guestSample('b', { residentPages: 50, psiSomeAvg10: 0.3 })], 500));
    metrics.add(
      sampleAt(
        3000,
        [
          guestSample('a', { residentPages: 200, balloonPages: 20, psiSomeAvg10: 0.2, majorFaultsTotal: 3, swapInTotal: 2, swapOutTotal: 1, stallSecondsTotal: 0.1 }),
          guestSample('b', { residentPages: 100, majorFaultsTotal: 4, stallSecondsTotal: 0.2 }),
        ],
        300,
      ),
    );
    // Resident: (150 * 1 s + 300 * 2 s) / 3 s = 250 pages; balloon: (10 + 40) / 3 pages.
    expect(metrics.finish(summary)).toEqual({
      scenario: 'two',
      seed: 17,
      simulatedSeconds: 3,
      guests: 2,
      hostMemoryBytes: 1024 * MiB,
      committedBytes: 128 * MiB,
      residentBytesMean: 250 * FRAME,
      residentBytesPeak: 300 * FRAME,
      savedBytesMean: 128 * MiB - 250 * FRAME,
      balloonBytesMean: Math.round((50 / 3) * FRAME),
      hostFreeBytesMin: 300 * FRAME,
      majorFaults: 7,
      swapInPages: 2,
      swapOutPages: 9,
      stallSeconds: 0.3,
      psiSomeMax: 0.3,
      oomKills: 1,
      auditViolations: 0,
      protocolViolations: 0,
    });
  });

  it('without samples, gives the end values of the summary', () => {
    const metrics = new MetricsAccumulator().finish(summaryOf([{ name: 'a', residentBytes: 40 * FRAME, balloonBytes: 8 * FRAME }], { audit: { checks: 1, fullChecks: 1, violations: 2, firstViolations: ['x'] } as never }));
    expect(metrics).toMatchObject({
      residentBytesMean: 40 * FRAME,
      residentBytesPeak: 40 * FRAME,
      balloonBytesMean: 8 * FRAME,
      savedBytesMean: 64 * MiB - 40 * FRAME,
      hostFreeBytesMin: 900 * MiB,
      stallSeconds: 0,
      psiSomeMax: 0,
      auditViolations: 2,
    });
  });

  it('refuses a sample that does not come after the one before', () => {
    const metrics = new MetricsAccumulator();
    metrics.add(sampleAt(2000, [guestSample('a')]));
    expect(() => metrics.add(sampleAt(2000, [guestSample('a')]))).toThrow('MetricsAccumulator.add: sample times must increase; 2000 ms follows 2000 ms');
    expect(() => metrics.add(sampleAt(1000, [guestSample('a')]))).toThrow(RangeError);
  });

  it('takes a first sample at time 0 (it stands for no time)', () => {
    const metrics = new MetricsAccumulator();
    metrics.add(sampleAt(0, [guestSample('a', { residentPages: 999 })]));
    metrics.add(sampleAt(1000, [guestSample('a', { residentPages: 10 })]));
    expect(metrics.finish(summaryOf([{ name: 'a' }])).residentBytesMean).toBe(10 * FRAME);
  });

  it('gives the same figures from samples as from the same samples written to timeseries.csv and read back (what compare reads)', () => {
    // psiSomeMax kept every digit from samples and 9 from the CSV: compare of a run's directory and a sweep of the same run differed.
    const guests = [guestSample('a', { residentPages: 100, psiSomeAvg10: 0.7001094657335996, stallSecondsTotal: 51.55583061234 }), guestSample('b', { residentPages: 50, stallSecondsTotal: 0.123456789123 })];
    const series = new TimeSeries(['a', 'b'], FRAME, 1000);
    series.add(sampleAt(1000, guests, 500));
    const fromCsv = parseTimeSeriesCsv(timeSeriesCsv(series), hostTimeSeriesCsv(series), FRAME, 1000);
    const direct = new MetricsAccumulator();
    const read = new MetricsAccumulator();
    direct.add(series.sample(0));
    read.add(fromCsv.sample(0));
    expect(read.finish(summary)).toEqual(direct.finish(summary));
    expect(direct.finish(summary).psiSomeMax).toBe(0.700109466);
  });
});
