/** The examples under examples/api/ run as a user would run them: plain Node, importing the built package by name. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../support/temporary-directory.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function runExample(file: string, args: string[] = []): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'examples', 'api', file), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('examples/api', () => {
  it('has the examples this test runs', () => {
    expect(readdirSync(join(ROOT, 'examples', 'api')).sort()).toEqual(['simulate.mjs', 'stream.mjs', 'sweep.mjs']);
  });

  it('simulate.mjs runs a scenario and writes its report', () => {
    const out = temporaryDirectory('balloonsim-example-');
    const run = runExample('simulate.mjs', [out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/idle: target 1 GiB, peak balloon 3 GiB/);
    expect(run.stdout).toMatch(/0 violations/);
    expect(run.stdout).toContain(`60 samples; wrote 9 files to ${out}`);
    expect(readdirSync(out).sort()).toEqual([
      'events.jsonl',
      'events.parquet',
      'host-timeseries.csv',
      'host-timeseries.parquet',
      'report.html',
      'summary.json',
      'timeseries.csv',
      'timeseries.parquet',
      'trace.json',
    ]);
  });

  it('stream.mjs streams samples as the run goes', () => {
    const run = runExample('stream.mjs');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.match(/^ ?\d+ min: host free/gm)).toHaveLength(10);
    expect(run.stdout).toMatch(/done: 600 ticks, 0 violations/);
  });

  it('sweep.mjs sweeps in parallel and in shards, with the same table', () => {
    const run = runExample('sweep.mjs');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.match(/: ok, saved/g)).toHaveLength(4);
    expect(run.stdout).toMatch(/shards 1\/2 and 2\/2 merged equal the whole sweep/);
  });
});
