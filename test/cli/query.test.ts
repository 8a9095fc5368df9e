/**
 * The Parquet files of run --out and sweep --out, read through DuckDB as a
 * user would with `balloonsim query`: typed columns, the same figures as the
 * CSV files, SQL over a sweep and its cases, and clear errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryOutputs } from '../../src/output/query.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runCli } from './run-cli.js';

const NO_STACK = /\n\s+at .+\(.*:\d+:\d+\)/;
const work = temporaryDirectory('balloonsim-query-');
const run = join(work, 'run');
const sweepDir = join(work, 'sweep');

async function rows(dir: string, sql: string): Promise<unknown[][]> {
  return (await queryOutputs(dir, sql)).rows;
}

describe('Parquet outputs and query', () => {
  beforeAll(() => {
    const done = runCli(['run', '--duration', '3m', '--placement', 'inline', '--quiet', '--out', run]);
    expect(done.code, done.stderr).toBe(0);
    writeFileSync(join(work, 'grid.yaml'), 'name: seeds\nbase: default\nduration: 1m\nparameters:\n  host.memory: [12GiB, 16GiB]\n  seed: [1, 2, 3]\n');
    const swept = runCli(['sweep', join(work, 'grid.yaml'), '--concurrency', '2', '--case-outputs', '--quiet', '--out', sweepDir]);
    expect(swept.code, swept.stderr).toBe(0);
  });

  it('types the columns: sizes and counts BIGINT, time, stall and pressure DOUBLE, alive BOOLEAN', async () => {
    const types = Object.fromEntries((await rows(run, 'DESCRIBE timeseries')).map((r) => [r[0], r[1]]));
    expect(types).toMatchObject({
      time_s: 'DOUBLE',
      guest: 'VARCHAR',
      alive: 'BOOLEAN',
      target_bytes: 'BIGINT',
      balloon_bytes: 'BIGINT',
      major_faults_total: 'BIGINT',
      stall_seconds_total: 'DOUBLE',
      psi_some_avg10: 'DOUBLE',
    });
    expect(Object.keys(types)).not.toContain('host_free_bytes');
    const host = Object.fromEntries((await rows(run, 'DESCRIBE host_timeseries')).map((r) => [r[0], r[1]]));
    expect(host).toEqual({ time_s: 'DOUBLE', host_free_bytes: 'BIGINT', host_swap_bytes: 'BIGINT', host_state: 'VARCHAR' });
    const sweepTypes = Object.fromEntries((await rows(sweepDir, 'DESCRIBE sweep')).map((r) => [r[0], r[1]]));
    expect(sweepTypes).toMatchObject({ case: 'INTEGER', 'param.host.memory': 'VARCHAR', 'param.seed': 'BIGINT', status: 'VARCHAR', savedBytesMean: 'BIGINT', stallSeconds: 'DOUBLE' });
  });

  it("types the summary's pressure averages DOUBLE in a run whose pressure stayed 0 (they came out BIGINT)", async () => {
    const calm = join(work, 'calm');
    writeFileSync(join(work, 'calm.yaml'), 'name: calm\nduration: 20s\nhost: { memory: 1GiB }\nguests: [ { name: g, count: 2, memory: 128MiB, workload: [ { kind: anon, size: 16MiB } ] } ]\n');
    const done = runCli(['run', join(work, 'calm.yaml'), '--placement', 'inline', '--quiet', '--out', calm]);
    expect(done.code, done.stderr).toBe(0);
    const psi = await queryOutputs(calm, 'SELECT p.someAvg10, p.someAvg60, p.someAvg300, p.fullAvg10, p.fullAvg60, p.fullAvg300 FROM (SELECT unnest(guests).psi AS p FROM summary)');
    expect(psi.rows).toEqual([Array(6).fill(0), Array(6).fill(0)]);
    expect(psi.types).toEqual(Array(6).fill('DOUBLE'));
  });

  it('holds the same rows as the CSV files', async () => {
    for (const [view, file] of [
      ['timeseries', 'timeseries.csv'],
      ['host_timeseries', 'host-timeseries.csv'],
    ] as const) {
      const columns = (await rows(run, `DESCRIBE ${view}`)).map((r) => ({ name: String(r[0]), type: String(r[1]) }));
      // The CSV read with the Parquet file's types; fractions compared to 6 decimals (the CSV keeps 9 digits).
      const csv = `read_csv('${join(run, file)}', header = true, columns = {${columns.map((c) => `'${c.name}': '${c.type}'`).join(', ')}})`;
      const select = columns.map((c) => (c.type === 'DOUBLE' ? `round("${c.name}", 6)` : `"${c.name}"`)).join(', ');
      const counts = await rows(run, `SELECT (SELECT count(*) FROM ${view}), (SELECT count(*) FROM ${csv})`);
      expect(counts[0]![0]).toBe(counts[0]![1]);
      const differ = await rows(run, `SELECT count(*) FROM (SELECT ${select} FROM ${view} EXCEPT SELECT ${select} FROM ${csv})`);
      expect(differ[0]![0], view).toBe(0n);
    }
    expect((await rows(run, 'SELECT count(*) FROM timeseries'))[0]![0]).toBe(180n * 4n);
    const events = await rows(run, "SELECT kind, guest, time_s FROM events WHERE kind = 'setTarget' AND guest = 'idle'");
    expect(events).toEqual([['setTarget', 'idle', 120]]);
    const joined = await rows(run, 'SELECT count(*) FROM timeseries JOIN host_timeseries USING (time_s)');
    expect(joined[0]![0]).toBe(180n * 4n);
  });

  it('balloonsim query prints a table, CSV or JSON', () => {
    const sql = 'SELECT guest, max(balloon_bytes) AS balloon FROM timeseries GROUP BY guest ORDER BY guest';
    const table = runCli(['query', run, sql]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^guest\s+balloon\n-+\s+-+\nbatch\s+\d+\n/);
    expect(table.stdout).toMatch(/\(4 rows\)\n$/);
    const csv = runCli(['query', run, sql, '--csv']);
    expect(csv.stdout.split('\n')[0]).toBe('guest,balloon');
    const json = runCli(['query', run, sql, '--json']);
    const parsed = JSON.parse(json.stdout) as Array<{ guest: string; balloon: number }>;
    expect(parsed.map((r) => r.guest)).toEqual(['batch', 'db', 'idle', 'web']);
    expect(typeof parsed[0]!.balloon).toBe('number');
  });

  it('queries a sweep, its seeds aggregated and its cases\' own files', async () => {
    const statuses = await rows(sweepDir, 'SELECT count(*), count(DISTINCT "param.seed") FROM sweep WHERE status = \'ok\'');
    expect(statuses[0]).toEqual([6n, 3n]);
    const groups = await rows(sweepDir, 'SELECT label, n, savedBytesMean_low <= savedBytesMean AND savedBytesMean <= savedBytesMean_high FROM sweep_aggregate ORDER BY "group"');
    expect(groups).toEqual([
      ['host.memory=12GiB', 3, true],
      ['host.memory=16GiB', 3, true],
    ]);
    const perCase = await rows(sweepDir, 'SELECT "case", count(DISTINCT guest) FROM case_timeseries GROUP BY "case" ORDER BY "case"');
    expect(perCase).toEqual(Array.from({ length: 6 }, (_, c) => [c, 4n]));
  });

  it('refuses what it cannot query, saying why and what there is', () => {
    const bad = runCli(['query', run, 'SELECT * FROM nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/query: Catalog Error: Table with name nope does not exist/);
    expect(bad.stderr).toMatch(/tables here: timeseries \(one row per guest per sample\), host_timeseries/);
    const missing = runCli(['query', join(work, 'nope'), 'SELECT 1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope: no such directory/);
    const empty = runCli(['query', work, 'SELECT 1']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no balloonsim Parquet files/);
    for (const r of [bad, missing, empty]) expect(r.stderr).not.toMatch(NO_STACK);
  });
});
