/** Unit tests of src/output/timeseries-csv.ts: the guests' and the host's series as CSV, and reading them back. */
import { describe, expect, it } from 'vitest';
import { GUEST_SERIES_COLUMNS } from '../../src/output/series-columns.js';
import { formatCsvNumber, HOST_TIMESERIES_CSV_HEADER, hostTimeSeriesCsv, parseTimeSeriesCsv, TIMESERIES_CSV_HEADER, timeSeriesCsv } from '../../src/output/timeseries-csv.js';
import { guestSample, sampleAt, seriesOf } from '../support/samples.js';

const FRAME = 4096;
const zeros = (n: number): string => Array(n).fill('0').join(',');

function twoSamples() {
  return seriesOf([
    sampleAt(500, [guestSample('a', { targetPages: 10, actualPages: 9, stallSecondsTotal: 1 / 3, progressAvg10: 1 }), guestSample('b', { alive: false })], 100, 2),
    { ...sampleAt(1500, [guestSample('a', { targetPages: 11 }), guestSample('b', { alive: false, swapInTotal: 7 })], 90, 0), hostState: 'low' as const },
  ]);
}

describe('formatCsvNumber', () => {
  it('writes integers exactly, fractions to 9 significant digits, and no text for what is not finite', () => {
    expect(formatCsvNumber(12345678901)).toBe('12345678901');
    expect(formatCsvNumber(-3)).toBe('-3');
    expect(formatCsvNumber(1 / 3)).toBe('0.333333333');
    expect(formatCsvNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatCsvNumber(Number.NaN)).toBe('');
    expect(formatCsvNumber(Number.POSITIVE_INFINITY)).toBe('');
  });
});

describe('timeSeriesCsv and hostTimeSeriesCsv', () => {
  it('write a row per guest per sample, sizes in bytes, and a host row per sample', () => {
    const series = twoSamples();
    const lines = timeSeriesCsv(series).split('\n');
    expect(lines[0]).toBe(TIMESERIES_CSV_HEADER);
    expect(TIMESERIES_CSV_HEADER.startsWith('time_s,guest,alive,target_bytes,actual_bytes,')).toBe(true);
    const columns = GUEST_SERIES_COLUMNS.length;
    // a at 0.5 s: target 10 pages, actual 9, stall 1/3 s (column 14), progress 1 (column 22), the rest 0.
    const a = ['0.5', 'a', '1', String(10 * FRAME), String(9 * FRAME), zeros(11), '0.333333333', zeros(7), '1', zeros(3)].join(',');
    expect(a.split(',')).toHaveLength(3 + columns);
    expect(lines[1]).toBe(a);
    expect(lines[2]).toBe(`0.5,b,0,${zeros(columns)}`);
    expect(lines[4]).toBe(['1.5', 'b', '0', zeros(9), '7', zeros(columns - 10)].join(','));
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe('');
    expect(hostTimeSeriesCsv(series)).toBe(`${HOST_TIMESERIES_CSV_HEADER}\n0.5,${100 * FRAME},${2 * FRAME},high\n1.5,${90 * FRAME},0,low\n`);
  });

  it('write only the headers for an empty series', () => {
    const empty = seriesOf([]);
    expect(timeSeriesCsv(empty)).toBe(`${TIMESERIES_CSV_HEADER}\n`);
    expect(hostTimeSeriesCsv(empty)).toBe('time_s,host_free_bytes,host_swap_bytes,host_state\n');
  });
});

describe('parseTimeSeriesCsv', () => {
  it('reads back what was written, figure by figure (fractions to the 9 digits written)', () => {
    const series = twoSamples();
    const read = parseTimeSeriesCsv(timeSeriesCsv(series), hostTimeSeriesCsv(series), FRAME, 4096);
    expect(read.guestNames).toEqual(['a', 'b']);
    expect(read.length).toBe(2);
    const first = series.sample(0);
    first.guests[0]!.stallSecondsTotal = 0.333333333;
    expect(read.sample(0)).toEqual(first);
    expect(read.sample(1)).toEqual(series.sample(1));
  });

  it('reads the wide timeseries.csv of earlier versions, with the host columns on every row', () => {
    const columns = GUEST_SERIES_COLUMNS.length;
    const wide = `${TIMESERIES_CSV_HEADER},host_free_bytes,host_swap_bytes,host_state\n2,a,1,${zeros(columns)},${40 * FRAME},${FRAME},hard\n`;
    const read = parseTimeSeriesCsv(wide, null, FRAME, 4096);
    expect(read.timeMs(0)).toBe(2000);
    expect(read.freeFrames(0)).toBe(40);
    expect(read.hostSwapUsedPages(0)).toBe(1);
    expect(read.hostState(0)).toBe('hard');
  });

  it('fills the columns added after the first release with their absent values', () => {
    const older = GUEST_SERIES_COLUMNS.filter((c) => c.absentValue === undefined);
    const text = `time_s,guest,alive,${older.map((c) => c.name).join(',')}\n1,a,1,${zeros(older.length)}\n`;
    const read = parseTimeSeriesCsv(text, `${HOST_TIMESERIES_CSV_HEADER}\n1,0,0,high\n`, FRAME, 4096);
    expect(read.value('progressAvg10', 0, 0)).toBe(1);
    expect(read.value('refaultsTotal', 0, 0)).toBe(0);
  });

  it('says which file and line are not what timeSeriesCsv writes', () => {
    const series = twoSamples();
    const guests = timeSeriesCsv(series);
    const host = hostTimeSeriesCsv(series);
    expect(() => parseTimeSeriesCsv('', host, FRAME, 1, 'r/t.csv')).toThrow('r/t.csv:1: not a balloonsim timeseries.csv (it is empty)');
    expect(() => parseTimeSeriesCsv('a,b,c\n', host, FRAME, 1)).toThrow('timeseries.csv:1: not a balloonsim timeseries.csv (it does not start with time_s,guest,alive)');
    expect(() => parseTimeSeriesCsv(guests.replace('target_bytes', 'goal'), host, FRAME, 1)).toThrow('timeseries.csv:1: not a balloonsim timeseries.csv (no target_bytes column)');
    expect(() => parseTimeSeriesCsv(guests, null, FRAME, 1)).toThrow('timeseries.csv: its host series, host-timeseries.csv, is missing beside it');
    expect(() => parseTimeSeriesCsv(guests, 'x\n', FRAME, 1)).toThrow('host-timeseries.csv:1: not a balloonsim host-timeseries.csv (the header differs)');
    expect(() => parseTimeSeriesCsv(guests, host.replace(',low', ',panic'), FRAME, 1)).toThrow('host-timeseries.csv:3: host_state is "panic", not one of');
    expect(() => parseTimeSeriesCsv(guests, host.replace('0.5,', 'half,'), FRAME, 1)).toThrow('host-timeseries.csv:2: a cell is not a number');
    expect(() => parseTimeSeriesCsv(guests, host.replace(',high', ''), FRAME, 1)).toThrow('host-timeseries.csv:2: expected 4 cells, got 3');
    expect(() => parseTimeSeriesCsv(guests, host.replace('1.5,', '2.5,'), FRAME, 1)).toThrow('timeseries.csv:4: no row at 1.5 s in host-timeseries.csv');
    expect(() => parseTimeSeriesCsv(guests.replace('0.5,a,1,', '0.5,a,1,x'), host, FRAME, 1)).toThrow('timeseries.csv:2: a cell is not a number');
    expect(() => parseTimeSeriesCsv(guests.replace('0.5,b,0,', '0.5,b,0,0,'), host, FRAME, 1)).toThrow(/^timeseries\.csv:3: expected \d+ cells, got \d+$/);
    const lines = guests.split('\n');
    expect(() => parseTimeSeriesCsv(lines.slice(0, 4).join('\n'), host, FRAME, 1)).toThrow('timeseries.csv: 3 rows is not a whole number of samples of 2 guests');
    expect(() => parseTimeSeriesCsv([lines[0], lines[1], lines[2], lines[4], lines[3]].join('\n'), host, FRAME, 1)).toThrow('timeseries.csv:4: expected guest a at 1.5 s');
  });

  it('reads a header alone as a series of no guests', () => {
    const read = parseTimeSeriesCsv(`${TIMESERIES_CSV_HEADER}\n`, `${HOST_TIMESERIES_CSV_HEADER}\n`, FRAME, 7);
    expect(read.guests).toBe(0);
    expect(read.length).toBe(0);
  });
});

describe('the CSV functions of what they cannot read', () => {
  it('timeSeriesCsv and hostTimeSeriesCsv refuse what is not a TimeSeries, instead of reading frameBytes of null', () => {
    expect(() => timeSeriesCsv(null as never)).toThrow(/^timeSeriesCsv: series must be a TimeSeries fed by the run's samples .*, got null \(an empty value\)$/);
    expect(() => hostTimeSeriesCsv(5 as never)).toThrow(/^hostTimeSeriesCsv: series must be a TimeSeries .*, got 5$/);
  });

  it('parseTimeSeriesCsv refuses text that is not a string ("text.split is not a function") and a frame size of 0', () => {
    const series = seriesOf([sampleAt(0, [guestSample('a')])]);
    const csv = timeSeriesCsv(series);
    const hostCsv = hostTimeSeriesCsv(series);
    expect(() => parseTimeSeriesCsv(null as never, hostCsv, 4096, 4096)).toThrow(new TypeError('parseTimeSeriesCsv: guestText must be a string (the content of timeseries.csv), got null (an empty value)'));
    expect(() => parseTimeSeriesCsv(csv, undefined as never, 4096, 4096)).toThrow(/^parseTimeSeriesCsv: hostText must be a string \(the content of host-timeseries.csv, or null for the wide timeseries.csv of earlier versions\), got nothing$/);
    expect(() => parseTimeSeriesCsv(csv, hostCsv, 0, 4096)).toThrow(new RangeError("parseTimeSeriesCsv: frameBytes must be a whole number of at least 1 (the run's summary.host.frameBytes), got 0"));
    expect(() => parseTimeSeriesCsv(csv, hostCsv, 4096, Number.NaN)).toThrow(new RangeError("parseTimeSeriesCsv: hostFrames must be a whole number of at least 0 (the run's summary.host.frames), got NaN"));
    expect(() => parseTimeSeriesCsv(csv, hostCsv, 4096, 4096, 5 as never)).toThrow(/^parseTimeSeriesCsv: source must name the file in messages \(such as run\/timeseries.csv\), got 5$/);
    expect(parseTimeSeriesCsv(csv, hostCsv, 4096, 4096).length).toBe(1);
  });
});
