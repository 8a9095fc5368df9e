/** Unit tests of src/output/compare.ts: reading runs and sweeps and putting them side by side. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { compareCsv, compareHtml, compareRunOf, compareSeriesOf, compareTable, loadCompareRuns, metricValueText, sweepRuns, type CompareRun } from '../../src/sweep/compare.js';
import { InputError } from '../../src/output/input-error.js';
import { hostTimeSeriesCsv, timeSeriesCsv } from '../../src/output/timeseries-csv.js';
import { guestSample, sampleAt, seriesOf, summaryOf } from '../support/samples.js';
import { metrics, row, table } from '../support/sweep-tables.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const MiB = 2 ** 20;
const FRAME = 4096;

/** Two samples of two guests: 256 + 512 resident pages (3 MiB) at 1 s, 1024 + 0 (4 MiB) at 2 s. */
function series() {
  return seriesOf([
    sampleAt(1000, [guestSample('a', { residentPages: 256, balloonPages: 128 }), guestSample('b', { residentPages: 512 })], 2560),
    sampleAt(2000, [guestSample('a', { residentPages: 1024 }), guestSample('b')], 100),
  ]);
}

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('balloonsim-compare-');
});

function writeRun(name: string, withSeries: boolean): string {
  const runDir = join(dir, name);
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'summary.json'), JSON.stringify(summaryOf([{ name: 'a' }, { name: 'b' }], { scenario: name })));
  if (withSeries) {
    writeFileSync(join(runDir, 'timeseries.csv'), timeSeriesCsv(series()));
    writeFileSync(join(runDir, 'host-timeseries.csv'), hostTimeSeriesCsv(series()));
  }
  return runDir;
}

function inputError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('compareSeriesOf and compareRunOf', () => {
  it('add up the guests at each sample, in MiB rounded to hundredths', () => {
    expect(compareSeriesOf(series())).toEqual({ timesS: [1, 2], residentMiB: [3, 4], balloonMiB: [0.5, 0], hostFreeMiB: [10, 0.39] });
  });

  it('take metrics from the samples when there are some, from the summary alone when not', () => {
    const summary = summaryOf([{ name: 'a', residentBytes: 2 * MiB }, { name: 'b' }]);
    const withSeries = compareRunOf('r', 'r/summary.json', summary, series());
    expect(withSeries.metrics.residentBytesMean).toBe(3.5 * MiB);
    expect(withSeries.series?.residentMiB).toEqual([3, 4]);
    const alone = compareRunOf('r', 'r/summary.json', summary, null);
    expect(alone.metrics.residentBytesMean).toBe(2 * MiB);
    expect(alone.series).toBeNull();
  });
});

describe('sweepRuns', () => {
  it('makes a run of each case that has metrics, named by its label and case', () => {
    const t = table([row(0), row(1, { status: 'failed', metrics: null }), row(2)]);
    expect(sweepRuns(t, 'out/sweep.json').map((r) => [r.label, r.source])).toEqual([
      ['p=0', 'out/sweep.json#case-0'],
      ['p=2', 'out/sweep.json#case-2'],
    ]);
  });
});

describe('loadCompareRuns', () => {
  it('reads run directories (with their series), summary files and sweeps, labelled by folder or file', () => {
    const withSeries = writeRun('tight', true);
    const bare = writeRun('roomy', false);
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(table([row(0), row(1)])));
    writeFileSync(join(dir, 'other.json'), JSON.stringify(summaryOf([{ name: 'a' }])));
    const runs = loadCompareRuns([withSeries, join(bare, 'summary.json'), dir, join(dir, 'other.json')]);
    expect(runs.map((r) => r.label)).toEqual(['tight', 'roomy', 'p=0', 'p=1', 'other']);
    expect(runs[0]!.series?.residentMiB).toEqual([3, 4]);
    expect(runs[1]!.series).toBeNull();
    expect(runs[2]!.source).toBe(`${join(dir, 'sweep.json')}#case-0`);
  });

  it('numbers runs whose labels repeat', () => {
    const run = writeRun('same', false);
    expect(loadCompareRuns([run, run, join(run, 'summary.json')]).map((r) => r.label)).toEqual(['same #1', 'same #2', 'same #3']);
  });

  it('says what is wrong with a path it cannot use', () => {
    expect(inputError(() => loadCompareRuns([join(dir, 'nope')]))).toBe(
      `${join(dir, 'nope')}: no such file or directory; give the directory that run --out or sweep --out wrote, or its summary.json or sweep.json`,
    );
    expect(inputError(() => loadCompareRuns([dir]))).toBe(`${dir} holds neither summary.json (from run --out) nor sweep.json (from sweep --out or merge --out)`);
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(inputError(() => loadCompareRuns([join(dir, 'bad.json')]))).toBe(`${join(dir, 'bad.json')} is not JSON`);
    writeFileSync(join(dir, 'x.json'), '{"a":1}');
    expect(inputError(() => loadCompareRuns([join(dir, 'x.json')]))).toBe(`${join(dir, 'x.json')} is neither a run summary (summary.json) nor a sweep table (sweep.json)`);
    // Files of a newer balloonsim were read as if they were of this one.
    writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...summaryOf([{ name: 'a' }]), schemaVersion: 99 }));
    expect(inputError(() => loadCompareRuns([join(dir, 'future.json')]))).toBe(
      `${join(dir, 'future.json')} has summary schema version 99; this balloonsim reads versions 1 to 2: compare it with the balloonsim that wrote it`,
    );
    writeFileSync(join(dir, 'future-sweep.json'), JSON.stringify({ ...table([row(0)]), schemaVersion: 999 }));
    expect(inputError(() => loadCompareRuns([join(dir, 'future-sweep.json')]))).toMatch(/future-sweep\.json has table schema version 999; this balloonsim reads versions 1 to 2: /);
    const run = writeRun('broken', true);
    writeFileSync(join(run, 'host-timeseries.csv'), 'nonsense\n');
    expect(inputError(() => loadCompareRuns([run]))).toMatch(/host-timeseries\.csv:1: not a balloonsim host-timeseries\.csv/);
  });

  it('says why a file it cannot read is refused, and what to give instead', () => {
    execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    expect(inputError(() => loadCompareRuns([join(dir, 'pipe.json')]))).toBe(
      `cannot read ${join(dir, 'pipe.json')}: it is a named pipe (FIFO), not a regular file; give the directory that run --out or sweep --out wrote, or its summary.json or sweep.json`,
    );
    // The time series beside a summary was told as the file system's code: ERR_NOT_REGULAR_FILE: not a regular file, read ...
    const run = writeRun('piped', false);
    execFileSync('mkfifo', [join(run, 'timeseries.csv')]);
    expect(inputError(() => loadCompareRuns([run]))).toBe(
      `cannot read ${join(run, 'timeseries.csv')}: it is a named pipe (FIFO), not a regular file; it is the time series of ${join(run, 'summary.json')}: remove it, or write the run again with run --out`,
    );
  });
});

describe('metricValueText, compareTable and compareCsv', () => {
  it('show sizes with units, seconds to a tenth, fractions as percent and counts with separators', () => {
    expect(metricValueText('bytes', 1536 * MiB)).toBe('1.5 GiB');
    expect(metricValueText('seconds', 2.25)).toBe('2.3');
    expect(metricValueText('fraction', 0.125)).toBe('12.5 %');
    expect(metricValueText('count', 1234567.6)).toBe('1,234,568');
  });

  const runs: CompareRun[] = [
    { label: 'a, "quoted"', source: 'a', metrics: metrics({ scenario: 'base', seed: 3, stallSeconds: 1 / 3 }), series: null },
    { label: 'b', source: 'b', metrics: metrics({ seed: 4 }), series: null },
  ];

  it('compareTable has a row per run with run, scenario, seed, then the metric columns', () => {
    const { header, rows } = compareTable(runs);
    expect(header.slice(0, 5)).toEqual(['run', 'scenario', 'seed', 'saved (mean)', 'resident (mean)']);
    expect(rows[0]!.slice(0, 4)).toEqual(['a, "quoted"', 'base', '3', '400 B']);
    expect(rows).toHaveLength(2);
    expect(rows[1]!).toHaveLength(header.length);
  });

  it('compareCsv has every metric in its base unit, quoting labels as CSV does', () => {
    const lines = compareCsv(runs).split('\n');
    expect(lines[0]!.startsWith('run,scenario,seed,simulatedSeconds,')).toBe(true);
    expect(lines[1]).toBe('"a, ""quoted""",base,3,30,2,1000,900,500,700,400,100,200,3,4,5,0.333333333,0.25,0,0,0');
    expect(lines[3]).toBe('');
    expect(compareCsv([])).toBe('run\n');
  });

  it('compareHtml embeds the runs, the table and the series of runs that have one', () => {
    const withSeries = { ...runs[1]!, series: compareSeriesOf(series()) };
    const page = compareHtml([runs[0]!, withSeries], 'mine');
    const data = JSON.parse(/id="balloonsim-data">(.*?)<\/script>/s.exec(page)![1]!);
    expect(data.title).toBe('mine');
    expect(data.subtitle.startsWith('2 runs: ')).toBe(true);
    expect(data.runs.map((r: { label: string }) => r.label)).toEqual(['a, "quoted"', 'b']);
    expect(data.series.map((s: { label: string }) => s.label)).toEqual(['b']);
    expect(data.table).toEqual(compareTable([runs[0]!, withSeries]));
  });
});

describe('the compare functions of what they cannot compare', () => {
  const HINT = 'from loadCompareRuns(paths), sweepRuns(table) or compareRunOf(label, source, summary, series)';

  it('compareTable, compareCsv and compareHtml refuse runs that are not a list of runs, instead of "runs.map is not a function"', () => {
    expect(() => compareTable(null as never)).toThrow(new TypeError(`compareTable: runs must be a list of runs to compare (${HINT}), got null (an empty value)`));
    expect(() => compareCsv('run' as never)).toThrow(new TypeError(`compareCsv: runs must be a list of runs to compare (${HINT}), got "run"`));
    expect(() => compareHtml([{ label: 'a' }] as never)).toThrow(new TypeError(`compareHtml: runs[0] must be a run to compare ({ label, source, metrics, series }, ${HINT}), got a mapping (key: value pairs)`));
    expect(() => compareHtml([], 5 as never)).toThrow(new TypeError("compareHtml: title must be a non-empty string (the page's title), got 5"));
  });

  it('compareRunOf refuses a summary or series that is not one (undefined for no series failed reading length), and a label that is not text', () => {
    const summary = summaryOf([{ name: 'a' }]);
    expect(() => compareRunOf('a', 'src', null as never, null)).toThrow(/^compareRunOf: summary must be a run's summary .*got null/);
    expect(() => compareRunOf('a', 'src', summary, undefined as never)).toThrow(/^compareRunOf: series \(or null for none\): series must be a TimeSeries .*got nothing$/);
    expect(() => compareRunOf(null as never, 'src', summary, null)).toThrow(new TypeError('compareRunOf: label must be a non-empty string (the name the run goes by in the tables), got null (an empty value)'));
    expect(compareRunOf('a', 'src', summary, null).label).toBe('a');
  });

  it('sweepRuns refuses what is not a sweep table, and loadCompareRuns paths that are not a list (a string was read one character a path)', () => {
    expect(() => sweepRuns(null as never)).toThrow(/^sweepRuns: table must be a sweep table .*got null/);
    expect(() => sweepRuns(table([row(0)]), '' as never)).toThrow(/^sweepRuns: source must be a non-empty string/);
    expect(() => loadCompareRuns('run' as never)).toThrow(
      new TypeError('loadCompareRuns: paths must be a list of paths (run directories, summary.json files, sweep directories or sweep.json files), got "run"'),
    );
  });
});
