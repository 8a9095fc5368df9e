import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GuestSample, Sample } from '../../src/runtime/sample.js';
import { defaultSampleEveryTicks, GUEST_FIGURES, GUEST_SAMPLES_BUDGET, SAMPLES_MAX_DEFAULT, TimeSeries } from '../../src/output/time-series.js';
import { formatCsvNumber, HOST_TIMESERIES_CSV_HEADER, hostTimeSeriesCsv, parseTimeSeriesCsv, TIMESERIES_CSV_HEADER, timeSeriesCsv } from '../../src/output/timeseries-csv.js';
import { assertProperty, propertyParams } from '../support/fc.js';

const FRAME = 4096;

function guestSample(name: string, seed: number): GuestSample {
  const sample = { name, alive: seed % 7 !== 0 } as GuestSample;
  GUEST_FIGURES.forEach((figure, i) => {
    sample[figure] = figure.startsWith('psi') ? ((seed * (i + 1)) % 100) / 100 : figure === 'stallSecondsTotal' ? seed * 0.125 : seed * (i + 1);
  });
  return sample;
}

const sampleArb = (names: string[]): fc.Arbitrary<Omit<Sample, 'timeMs'>> =>
  fc.record({
    freeFrames: fc.nat({ max: 1 << 30 }),
    hostSwapUsedPages: fc.nat({ max: 1 << 30 }),
    hostState: fc.constantFrom('high' as const, 'soft' as const, 'hard' as const, 'low' as const),
    guests: fc.tuple(...names.map((name) => fc.record({
      name: fc.constant(name),
      alive: fc.boolean(),
      ...Object.fromEntries(GUEST_FIGURES.map((figure) => [figure, figure.startsWith('psi') ? fc.double({ min: 0, max: 1, noNaN: true }) : figure === 'stallSecondsTotal' ? fc.double({ min: 0, max: 1e6, noNaN: true }) : fc.nat({ max: 1 << 30 })])),
    }) as fc.Arbitrary<GuestSample>)),
  });

describe('TimeSeries', () => {
  it('keeps every figure of every guest, by sample', () => {
    const series = new TimeSeries(['a', 'b'], FRAME, 1000);
    for (let i = 1; i <= 50; i++) series.add({ timeMs: i * 1000, freeFrames: 1000 - i, hostSwapUsedPages: 0, hostState: 'high', guests: [guestSample('a', i), guestSample('b', i + 100)] });
    expect(series.length).toBe(50);
    expect(series.timeMs(49)).toBe(50_000);
    expect(series.freeFrames(0)).toBe(999);
    expect(series.value('balloonPages', 9, 1)).toBe(guestSample('b', 110).balloonPages);
    expect(series.isAlive(6, 0)).toBe(false);
    expect(Array.from(series.guestColumn('targetPages', 0))).toEqual(Array.from({ length: 50 }, (_, i) => guestSample('a', i + 1).targetPages));
    expect(series.sample(3)).toEqual({ timeMs: 4000, freeFrames: 996, hostSwapUsedPages: 0, hostState: 'high', guests: [guestSample('a', 4), guestSample('b', 104)] });
  });

  it('refuses samples that do not fit', () => {
    const series = new TimeSeries(['a'], FRAME, 1000);
    series.add({ timeMs: 1000, freeFrames: 1, hostSwapUsedPages: 0, hostState: 'high', guests: [guestSample('a', 1)] });
    expect(() => series.add({ timeMs: 1000, freeFrames: 1, hostSwapUsedPages: 0, hostState: 'high', guests: [guestSample('a', 1)] })).toThrow(/increase/);
    expect(() => series.add({ timeMs: 2000, freeFrames: 1, hostSwapUsedPages: 0, hostState: 'high', guests: [guestSample('b', 1)] })).toThrow(/guest 0 is b/);
    expect(() => series.add({ timeMs: 2000, freeFrames: 1, hostSwapUsedPages: 0, hostState: 'high', guests: [] })).toThrow(/0 guests/);
    expect(() => series.value('anonPages', 1, 0)).toThrow(/no sample 1/);
    // Not a sample at all: it failed reading guests of null.
    expect(() => series.add(null as never)).toThrow(
      new TypeError("TimeSeries.add: sample must be a sample of the run, with timeMs and guests (what simulate's onSample is given, or simulateStream yields), got null (an empty value)"),
    );
    expect(() => series.add({ guests: [guestSample('a', 1)] } as never)).toThrow(/^TimeSeries\.add: sample must be a sample of the run.*got a mapping/);
    expect(() => series.value('anonPages', 0, 1)).toThrow(/no guest 1/);
  });
});

describe('TimeSeries.copyGuestRows', () => {
  const series = new TimeSeries(['a', 'b', 'c'], FRAME, 1000);
  for (let i = 1; i <= 4; i++) series.add({ timeMs: i * 1000, freeFrames: 1, hostSwapUsedPages: 0, hostState: 'high', guests: [guestSample('a', i), guestSample('b', i + 10), guestSample('c', i + 20)] });

  it('copies rows in the order of timeseries.csv (guests fastest), from any row, alive as 1 and 0', () => {
    const out = new Float64Array(6).fill(-1);
    series.copyGuestRows('anonPages', 2, 5, out);
    const expected = [2, 3, 4, 5, 6].map((row) => series.value('anonPages', Math.floor(row / 3), row % 3));
    expect(Array.from(out)).toEqual([...expected, -1]);
    const alive = new Float64Array(12);
    series.copyGuestRows('alive', 0, 12, alive);
    expect(Array.from(alive)).toEqual(Array.from({ length: 12 }, (_, row) => (series.isAlive(Math.floor(row / 3), row % 3) ? 1 : 0)));
    series.copyGuestRows('targetPages', 12, 0, new Float64Array(0));
  });

  it('refuses rows past the end, an output too short, and a figure it does not have', () => {
    expect(() => series.copyGuestRows('anonPages', 10, 3, new Float64Array(3))).toThrow(new RangeError('TimeSeries.copyGuestRows: rows 10 to 13 are not within the 12 rows (samples times guests)'));
    expect(() => series.copyGuestRows('anonPages', -1, 1, new Float64Array(1))).toThrow(/^TimeSeries\.copyGuestRows: rows -1 to 0 are not within/);
    expect(() => series.copyGuestRows('anonPages', 0, 3, new Float64Array(2))).toThrow(new RangeError('TimeSeries.copyGuestRows: out must be a Float64Array of at least 3 values, got one of 2'));
    expect(() => series.copyGuestRows('anonPages', 0, 1, [0] as never)).toThrow(/got a list of 1 item$/);
    expect(() => series.copyGuestRows('pages' as never, 0, 1, new Float64Array(1))).toThrow(/^TimeSeries\.copyGuestRows: no figure "pages" \(one of targetPages, .*, or alive\)$/);
  });
});

describe('defaultSampleEveryTicks', () => {
  it('samples every tick up to the limit, then every N ticks', () => {
    expect(defaultSampleEveryTicks(1200, 4)).toBe(1);
    expect(defaultSampleEveryTicks(SAMPLES_MAX_DEFAULT, 4)).toBe(1);
    expect(defaultSampleEveryTicks(SAMPLES_MAX_DEFAULT + 1, 4)).toBe(2);
    expect(defaultSampleEveryTicks(86_400, 4)).toBe(Math.ceil(86_400 / SAMPLES_MAX_DEFAULT));
  });

  it('keeps samples times guests near the budget with many guests', () => {
    const every = defaultSampleEveryTicks(100_000, 10_000);
    expect(Math.ceil(100_000 / every) * 10_000).toBeLessThanOrEqual(GUEST_SAMPLES_BUDGET);
    expect(Math.ceil(100_000 / defaultSampleEveryTicks(100_000, 1_000_000))).toBeGreaterThanOrEqual(10);
  });

  it('refuses ticks or guests that are not positive whole numbers, naming itself and the argument', () => {
    expect(() => defaultSampleEveryTicks(0, 4)).toThrow(new RangeError('defaultSampleEveryTicks: ticks must be a positive integer, got 0'));
    expect(() => defaultSampleEveryTicks(1.5, 4)).toThrow(new RangeError('defaultSampleEveryTicks: ticks must be a positive integer, got 1.5'));
    expect(() => defaultSampleEveryTicks(1200, Number.NaN)).toThrow(new RangeError('defaultSampleEveryTicks: guests must be a positive integer, got NaN'));
  });
});

describe('timeseries.csv', () => {
  it('has one row per guest per sample, sizes in bytes', () => {
    const series = new TimeSeries(['web', 'db'], FRAME, 1000);
    series.add({ timeMs: 1500, freeFrames: 10, hostSwapUsedPages: 0, hostState: 'soft', guests: [guestSample('web', 1), guestSample('db', 2)] });
    const lines = timeSeriesCsv(series).trimEnd().split('\n');
    expect(lines[0]).toBe(TIMESERIES_CSV_HEADER);
    expect(lines).toHaveLength(3);
    const header = lines[0]!.split(',');
    const web = Object.fromEntries(lines[1]!.split(',').map((cell, i) => [header[i]!, cell]));
    expect(web).toMatchObject({ time_s: '1.5', guest: 'web', alive: '1' });
    // The host's columns are in host-timeseries.csv, once per sample, not repeated on every guest row.
    expect(header.some((name) => name.startsWith('host_free') || name === 'host_state')).toBe(false);
    expect(hostTimeSeriesCsv(series)).toBe(`${HOST_TIMESERIES_CSV_HEADER}\n1.5,${10 * FRAME},0,soft\n`);
    expect(Number(web['target_bytes'])).toBe(guestSample('web', 1).targetPages * FRAME);
    expect(Number(web['major_faults_total'])).toBe(guestSample('web', 1).majorFaultsTotal);
    expect(header).toEqual(expect.arrayContaining(['time_s', 'target_bytes', 'actual_bytes', 'balloon_bytes', 'anon_bytes', 'cache_bytes', 'swap_bytes', 'major_faults_total', 'psi_some_avg10']));
  });

  it('formats numbers exactly for integers and to 9 digits otherwise', () => {
    expect(formatCsvNumber(12884901888)).toBe('12884901888');
    expect(formatCsvNumber(1 / 3)).toBe('0.333333333');
    expect(formatCsvNumber(0.25)).toBe('0.25');
  });

  const params = propertyParams('timeseries.csv reads back as written', { numRuns: 100 });
  it(params.name, () => {
    assertProperty(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,6}$/), { minLength: 1, maxLength: 4 }).chain((names) =>
          fc.tuple(fc.constant(names), fc.array(sampleArb(names), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 5000 })),
        ),
        ([names, samples, stepMs]) => {
          const series = new TimeSeries(names, FRAME, 1 << 30);
          samples.forEach((sample, i) => series.add({ ...sample, timeMs: (i + 1) * stepMs }));
          const text = timeSeriesCsv(series);
          const hostText = hostTimeSeriesCsv(series);
          const back = parseTimeSeriesCsv(text, hostText, FRAME, 1 << 30);
          expect(back.guestNames).toEqual(names);
          expect(back.length).toBe(series.length);
          expect(timeSeriesCsv(back)).toBe(text);
          expect(hostTimeSeriesCsv(back)).toBe(hostText);
        },
      ),
      params,
    );
  });

  it('names the line of a malformed file', () => {
    const host = `${HOST_TIMESERIES_CSV_HEADER}\n1,0,0,high\n`;
    expect(() => parseTimeSeriesCsv('time,guest\n', host, FRAME, 1)).toThrow(/:1: not a balloonsim timeseries.csv/);
    expect(() => parseTimeSeriesCsv(`${TIMESERIES_CSV_HEADER}\n1,a,1\n`, host, FRAME, 1)).toThrow(/:2: expected/);
    expect(() => parseTimeSeriesCsv(`${TIMESERIES_CSV_HEADER}\n`, null, FRAME, 1)).toThrow(/host-timeseries.csv, is missing/);
    expect(() => parseTimeSeriesCsv(`${TIMESERIES_CSV_HEADER}\n`, 'time_s,x\n', FRAME, 1)).toThrow(/host-timeseries.csv:1: not a balloonsim host-timeseries.csv/);
    expect(() => parseTimeSeriesCsv(`${TIMESERIES_CSV_HEADER}\n`, `${HOST_TIMESERIES_CSV_HEADER}\n1,0,0,calm\n`, FRAME, 1)).toThrow(/host-timeseries.csv:2: host_state is "calm"/);
  });

  it('reads the wide timeseries.csv of earlier versions, with the host columns on every row', () => {
    const series = new TimeSeries(['web', 'db'], FRAME, 1000);
    series.add({ timeMs: 1000, freeFrames: 10, hostSwapUsedPages: 2, hostState: 'hard', guests: [guestSample('web', 1), guestSample('db', 2)] });
    const wide = timeSeriesCsv(series)
      .trimEnd()
      .split('\n')
      .map((line, i) => (i === 0 ? `${line},host_free_bytes,host_swap_bytes,host_state` : `${line},${10 * FRAME},${2 * FRAME},hard`))
      .join('\n');
    const back = parseTimeSeriesCsv(wide, null, FRAME, 1000);
    expect(back.sample(0)).toEqual(series.sample(0));
  });

  it('reads files written before the progress and refault columns existed (0.1.0), with progress 1 and the totals 0', () => {
    const series = new TimeSeries(['web'], FRAME, 1000);
    series.add({ timeMs: 1000, freeFrames: 10, hostSwapUsedPages: 0, hostState: 'high', guests: [guestSample('web', 3)] });
    const later = ['progress_avg10', 'work_wanted_total', 'work_done_total', 'refaults_total'];
    const rows = timeSeriesCsv(series).trimEnd().split('\n').map((line) => line.split(','));
    const dropped = rows[0]!.map((name, column) => (later.includes(name) ? column : -1)).filter((column) => column >= 0);
    expect(dropped).toHaveLength(later.length);
    const old = rows.map((cells) => cells.filter((_, column) => !dropped.includes(column)).join(',')).join('\n');
    const back = parseTimeSeriesCsv(old, hostTimeSeriesCsv(series), FRAME, 1000).sample(0).guests[0]!;
    expect(back).toEqual({ ...series.sample(0).guests[0]!, progressAvg10: 1, workWantedTotal: 0, workDoneTotal: 0, refaultsTotal: 0 });
    // A column that has always been there is still required.
    const noTarget = old.replace('target_bytes', 'target');
    expect(() => parseTimeSeriesCsv(noTarget, hostTimeSeriesCsv(series), FRAME, 1000)).toThrow(/:1: not a balloonsim timeseries.csv \(no target_bytes column\)/);
  });
});

describe('new TimeSeries of what it cannot hold', () => {
  it('refuses names that are not a list of strings and a hostFrames that is not a count, which were kept and broke the files later', () => {
    expect(() => new TimeSeries(null as never, 4096, 16)).toThrow(
      new TypeError("TimeSeries: guestNames must be the guests' names in the order samples list them (scenario.guests.map((g) => g.name)), got null (an empty value)"),
    );
    expect(() => new TimeSeries('ab' as never, 4096, 16)).toThrow(/^TimeSeries: guestNames must be the guests' names .*got "ab"$/);
    expect(() => new TimeSeries(['a'], 4096, Number.NaN)).toThrow(
      new RangeError("TimeSeries: hostFrames must be a whole number of at least 0 (the host's frames: Math.floor(scenario.host.memoryBytes / scenario.frameBytes)), got NaN"),
    );
    expect(() => new TimeSeries(['a'], 4096, -1)).toThrow(/^TimeSeries: hostFrames must be a whole number of at least 0 .*got -1$/);
  });
});
