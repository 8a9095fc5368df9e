/** Unit tests of src/output/query.ts: SQL over the files of a run's or a sweep's directory. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/output/input-error.js';
import { writeParquet, type ParquetTable } from '../../src/output/parquet.js';
import { describeViews, QUERY_VALUES_MAX, queryOutputs, viewsOf } from '../../src/output/query.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('balloonsim-query-');
});

/** A timeseries.parquet of guest `name` with balloon sizes `balloons`, one per sample. */
function series(name: string, balloons: number[]): ParquetTable {
  return {
    rows: balloons.length,
    columns: [
      { name: 'time_s', type: 'DOUBLE', value: (r) => r + 1 },
      { name: 'guest', type: 'VARCHAR', value: () => name },
      { name: 'balloon_bytes', type: 'BIGINT', value: (r) => balloons[r]! },
    ],
  };
}

describe('viewsOf', () => {
  it('names a view after each balloonsim file found, and one per kind over the case folders', async () => {
    writeFileSync(join(dir, 'summary.json'), '{"scenario":"s"}');
    mkdirSync(join(dir, 'case-0000'));
    mkdirSync(join(dir, 'case-0001'));
    mkdirSync(join(dir, 'not-a-case'));
    await writeParquet([
      { path: join(dir, 'timeseries.parquet'), table: series('a', [1]) },
      { path: join(dir, 'case-0001', 'events.parquet'), table: series('b', [1]) },
    ]);
    const views = viewsOf(dir);
    expect(views.map((v) => v.name)).toEqual(['timeseries', 'summary', 'case_events']);
    expect(describeViews(views)).toBe(
      "timeseries (one row per guest per sample), summary (the run's summary.json, one row), case_events (the host's event log, of every case (sweep --case-outputs), with its case number)",
    );
  });

  it('says what is wrong with a path that is no output directory', () => {
    expect(() => viewsOf(join(dir, 'none'))).toThrow(new InputError(`${join(dir, 'none')}: no such directory`));
    writeFileSync(join(dir, 'f'), '');
    expect(() => viewsOf(join(dir, 'f'))).toThrow(`${join(dir, 'f')} is a file; give the directory that run --out or sweep --out wrote`);
    mkdirSync(join(dir, 'empty'));
    expect(() => viewsOf(join(dir, 'empty'))).toThrow(InputError);
    expect(() => viewsOf(join(dir, 'empty'))).toThrow(/holds no balloonsim Parquet files or summary; write them with run --out DIR or sweep --out DIR/);
  });

  it('refuses a named pipe in place of a file of the outputs, which DuckDB would wait on for ever', () => {
    const odd = join(dir, 'odd');
    mkdirSync(odd);
    execFileSync('mkfifo', [join(odd, 'summary.json')]);
    expect(() => viewsOf(odd)).toThrow(new InputError(`cannot read ${join(odd, 'summary.json')}: it is a named pipe (FIFO), not a regular file; query reads the files that run --out or sweep --out wrote: remove it, or write ${odd} again`));
    expect(() => viewsOf(join(odd, 'summary.json'))).toThrow(`${join(odd, 'summary.json')} is a named pipe (FIFO); give the directory that run --out or sweep --out wrote`);
  });
});

describe('queryOutputs', () => {
  it('refuses a result of more than QUERY_VALUES_MAX values at once, instead of filling the heap', async () => {
    writeFileSync(join(dir, 'summary.json'), '{"scenario":"s"}');
    const started = Date.now();
    // 10^8 rows used to take 34 s and 6.7 GB before V8 died for want of heap.
    await expect(queryOutputs(dir, 'SELECT * FROM range(100000000)')).rejects.toThrow(
      new InputError(
        `query: the result has more than 5,000,000 rows of 1 column, more than the 5,000,000 values query prints; select fewer columns or rows (WHERE, GROUP BY, LIMIT), or have DuckDB write them to a file (its COPY statement)`,
      ),
    );
    // The bound is on values: two columns, half the rows.
    await expect(queryOutputs(dir, `SELECT range AS a, range AS b FROM range(${QUERY_VALUES_MAX / 2 + 1})`)).rejects.toThrow(/more than 2,500,000 rows of 2 columns/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await queryOutputs(dir, 'SELECT count(*) AS n FROM range(100000000)')).rows).toEqual([[100000000n]]);
  });

  it('runs SQL over the views, with each case folder as a case column', async () => {
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ scenario: 'tight', seed: 3 }));
    mkdirSync(join(dir, 'case-0000'));
    mkdirSync(join(dir, 'case-0002'));
    await writeParquet([
      { path: join(dir, 'timeseries.parquet'), table: series('a', [10, 30, 20]) },
      { path: join(dir, 'case-0000', 'timeseries.parquet'), table: series('x', [5]) },
      { path: join(dir, 'case-0002', 'timeseries.parquet'), table: series('y', [7, 9]) },
    ]);
    const result = await queryOutputs(dir, 'SELECT guest, max(balloon_bytes) AS biggest FROM timeseries GROUP BY guest');
    expect(result.columns).toEqual(['guest', 'biggest']);
    expect(result.types).toEqual(['VARCHAR', 'BIGINT']);
    expect(result.rows).toEqual([['a', 30n]]);
    const cases = await queryOutputs(dir, 'SELECT "case", count(*) AS n FROM case_timeseries GROUP BY "case" ORDER BY "case"');
    expect(cases.rows).toEqual([
      [0, 1n],
      [2, 2n],
    ]);
    expect((await queryOutputs(dir, 'SELECT scenario, seed FROM summary')).rows).toEqual([['tight', 3n]]);
  });

  it("types the summary's pressure averages DOUBLE whatever their values (all 0 made them BIGINT), and leaves a summary without them as DuckDB reads it", async () => {
    const psi = (value: number) => ({ someAvg10: value, someAvg60: value, someAvg300: value, fullAvg10: value, fullAvg60: value, fullAvg300: value });
    const guests = (value: number) => [{ name: 'a', stallSeconds: 0, psi: psi(value) }, { name: 'b', stallSeconds: 0, psi: psi(0) }];
    const typeOf = async (sql: string) => (await queryOutputs(dir, sql)).types[0];
    for (const value of [0, 0.25]) {
      writeFileSync(join(dir, 'summary.json'), JSON.stringify({ scenario: 's', guests: guests(value) }));
      expect(await typeOf('SELECT guests[1].psi.someAvg10 FROM summary')).toBe('DOUBLE');
      expect(await typeOf('SELECT guests[2].psi.fullAvg300 FROM summary')).toBe('DOUBLE');
      expect((await queryOutputs(dir, 'SELECT guests[1].psi.someAvg60 AS v, guests[2].name AS b, scenario FROM summary')).rows).toEqual([[value, 'b', 's']]);
    }
    // The rest of a guest is untouched, in its place.
    const fields = await typeOf('SELECT guests[1] FROM summary');
    expect(fields?.replaceAll('"', '')).toBe('STRUCT(name VARCHAR, stallSeconds BIGINT, psi STRUCT(someAvg10 DOUBLE, someAvg60 DOUBLE, someAvg300 DOUBLE, fullAvg10 DOUBLE, fullAvg60 DOUBLE, fullAvg300 DOUBLE))');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ scenario: 's', guests: [{ name: 'a', memoryBytes: 5 }] }));
    expect(await typeOf('SELECT guests[1].memoryBytes FROM summary')).toBe('BIGINT');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ scenario: 's', guests: [] }));
    expect((await queryOutputs(dir, 'SELECT scenario FROM summary')).rows).toEqual([['s']]);
  });

  it('refuses empty SQL, and reports SQL DuckDB refuses with the tables at hand', async () => {
    await expect(queryOutputs(dir, '  ')).rejects.toThrow('query needs SQL, such as "SELECT guest, max(balloon_bytes) FROM timeseries GROUP BY guest"');
    await writeParquet([{ path: join(dir, 'timeseries.parquet'), table: series('a', [1]) }]);
    const refused = queryOutputs(dir, 'SELECT * FROM nowhere');
    await expect(refused).rejects.toBeInstanceOf(InputError);
    await expect(queryOutputs(dir, 'SELECT * FROM nowhere')).rejects.toThrow(/^query: .*nowhere.*\n {2}tables here: timeseries \(one row per guest per sample\)$/);
  });

  it('names the table whose file is damaged, as bad input, instead of failing every query as an internal error', async () => {
    // DuckDB reads a file when its view is made: a truncated timeseries.parquet failed a query of events too, with a raw Error.
    await writeParquet([{ path: join(dir, 'events.parquet'), table: series('a', [1]) }]);
    writeFileSync(join(dir, 'timeseries.parquet'), 'garbage');
    const failed = queryOutputs(dir, 'SELECT count(*) FROM events');
    await expect(failed).rejects.toBeInstanceOf(InputError);
    await expect(queryOutputs(dir, 'SELECT count(*) FROM events')).rejects.toThrow(
      /^query: the timeseries table cannot be read \(.*too small to be a Parquet file.*\); its file is damaged or not written by balloonsim: write .* again \(run --out, sweep --out or merge --out\)$/,
    );
  });
});

describe('queryOutputs of a directory that is not a path', () => {
  it('names the function and what it takes, instead of looking for a directory named "null"', async () => {
    await expect(queryOutputs(null as never, 'SELECT 1')).rejects.toThrow(
      new TypeError('queryOutputs: dir must be the path of a directory that run --out, sweep --out or merge --out wrote, got null (an empty value)'),
    );
    await expect(queryOutputs('', 'SELECT 1')).rejects.toThrow(/^queryOutputs: dir must be the path of a directory .*got ""$/);
  });
});
