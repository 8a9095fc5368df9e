/**
 * timeseries.csv and host-timeseries.csv are formatted as bytes, in chunks,
 * straight into the file: they must be the bytes of the text that
 * balloonsim 0501cce built as one string (kept below as the reference), for
 * every series: whole numbers of every size, fractions, values that are not
 * finite, dead guests, odd guest names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GuestSample, Sample } from '../../src/runtime/sample.js';
import { GUEST_SERIES_COLUMNS } from '../../src/output/series-columns.js';
import { formatCsvNumber, HOST_TIMESERIES_CSV_HEADER, hostTimeSeriesCsv, TIMESERIES_CSV_HEADER, timeSeriesCsv, writeHostTimeSeriesCsvUnchecked, writeTimeSeriesCsvUnchecked } from '../../src/output/timeseries-csv.js';
import { GUEST_FIGURES, TimeSeries } from '../../src/output/time-series.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

/** timeSeriesCsvUnchecked as 0501cce wrote it: an array of cells per row, joined, then one string. */
function referenceTimeSeriesCsv(series: TimeSeries): string {
  const frameBytes = series.frameBytes;
  const lines: string[] = [TIMESERIES_CSV_HEADER];
  for (let i = 0; i < series.length; i++) {
    const time = String(series.timeMs(i) / 1000);
    for (let g = 0; g < series.guests; g++) {
      const cells = [time, series.guestNames[g]!, series.isAlive(i, g) ? '1' : '0'];
      for (const column of GUEST_SERIES_COLUMNS) {
        const value = series.value(column.figure, i, g);
        cells.push(formatCsvNumber(column.pages ? value * frameBytes : value));
      }
      lines.push(cells.join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** hostTimeSeriesCsvUnchecked as 0501cce wrote it. */
function referenceHostTimeSeriesCsv(series: TimeSeries): string {
  const frameBytes = series.frameBytes;
  const lines: string[] = [HOST_TIMESERIES_CSV_HEADER];
  for (let i = 0; i < series.length; i++) {
    lines.push([String(series.timeMs(i) / 1000), formatCsvNumber(series.freeFrames(i) * frameBytes), formatCsvNumber(series.hostSwapUsedPages(i) * frameBytes), series.hostState(i)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** A figure: whole numbers of every size (negative ones too: the columns do not refuse them), fractions of every scale, and what is not finite. */
const figureArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 4096 }) },
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double({ min: 0, max: 1 }),
  fc.double(),
  fc.tuple(fc.double({ min: 1, max: 10, noNaN: true }), fc.integer({ min: -32, max: 22 })).map(([mantissa, power]) => mantissa * 10 ** power),
);

/** Guest names a scenario could not give but TimeSeries takes: CSV's own characters, other scripts, an empty one, a lone surrogate. */
const nameArb: fc.Arbitrary<string> = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }), fc.constantFrom('', 'a,b', 'q"uote', 'new\nline', 'größe', '名前', '🎈', '\uD800', 'x\uDC00y'));

const seriesArb = fc
  .record({
    names: fc.array(nameArb, { maxLength: 4 }),
    frameBytes: fc.constantFrom(1, 4096, 2 ** 21, 3 * 2 ** 30),
    times: fc.uniqueArray(fc.oneof(fc.nat({ max: 10_000_000 }), fc.double({ min: 0, max: 1e12, noNaN: true })), { maxLength: 6 }),
  })
  .chain(({ names, frameBytes, times }) =>
    fc
      .array(
        fc.record({
          freeFrames: figureArb,
          hostSwapUsedPages: figureArb,
          hostState: fc.constantFrom('high' as const, 'soft' as const, 'hard' as const, 'low' as const),
          guests: fc.tuple(...names.map((name) => fc.record({ name: fc.constant(name), alive: fc.boolean(), ...Object.fromEntries(GUEST_FIGURES.map((figure) => [figure, figureArb])) }) as fc.Arbitrary<GuestSample>)),
        }),
        { minLength: times.length, maxLength: times.length },
      )
      .map((samples) => {
        const series = new TimeSeries(names, frameBytes, 1000);
        const sorted = [...times].sort((a, b) => a - b);
        samples.forEach((sample, i) => series.add({ ...sample, timeMs: sorted[i]! } as Sample));
        return series;
      }),
  );

const params = propertyParams<[TimeSeries]>('the files are the bytes of the text 0501cce built', { numRuns: 300 });

describe(`timeseries.csv and host-timeseries.csv as bytes ${describeSeed(params.seed)}`, () => {
  const dir = temporaryDirectory('balloonsim-csv-bytes-');

  it(params.name, () =>
    assertProperty(
      fc.property(seriesArb, (series) => {
        const guests = join(dir, 'timeseries.csv');
        const host = join(dir, 'host-timeseries.csv');
        writeTimeSeriesCsvUnchecked(guests, series);
        writeHostTimeSeriesCsvUnchecked(host, series);
        const reference = referenceTimeSeriesCsv(series);
        expect(readFileSync(guests).equals(Buffer.from(reference, 'utf8'))).toBe(true);
        expect(readFileSync(host).equals(Buffer.from(referenceHostTimeSeriesCsv(series), 'utf8'))).toBe(true);
        // The text is the file's, decoded: the reference itself unless a name has a lone surrogate.
        expect(timeSeriesCsv(series)).toBe(Buffer.from(reference, 'utf8').toString('utf8'));
        if (series.guestNames.every((name) => Buffer.from(name).toString() === name)) expect(timeSeriesCsv(series)).toBe(reference);
        expect(hostTimeSeriesCsv(series)).toBe(referenceHostTimeSeriesCsv(series));
      }),
      params,
    ));

  it('a series of a thousand guests, across many chunks and blocks, is the same', () => {
    const names = Array.from({ length: 1000 }, (_, g) => `guest-${g}`);
    const series = new TimeSeries(names, 4096, 1 << 20);
    for (let i = 0; i < 12; i++) {
      const guests = names.map((name, g) => {
        const sample = { name, alive: (g + i) % 13 !== 0 } as GuestSample;
        GUEST_FIGURES.forEach((figure, f) => {
          sample[figure] = figure.includes('Avg10') || figure === 'stallSecondsTotal' ? Math.exp(-(g * 0.37 + i * 5 + f)) : (g * 7919 + i * 104_729 + f * 15_485_863) % 2 ** 34;
        });
        return sample;
      });
      series.add({ timeMs: 1000 * i + 0.5, freeFrames: 1000 - i, hostSwapUsedPages: i, hostState: 'high', guests });
    }
    const path = join(dir, 'big.csv');
    writeTimeSeriesCsvUnchecked(path, series);
    const written = readFileSync(path);
    expect(written.length).toBeGreaterThan(4 * 256 * 1024);
    expect(written.equals(Buffer.from(referenceTimeSeriesCsv(series), 'utf8'))).toBe(true);
  });
});
