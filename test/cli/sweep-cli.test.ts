/** `balloonsim sweep` as a user runs it: statuses other than ok, seeds aggregated, --dry-run, resuming, --restart. */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SweepTable } from '../../src/sweep/table.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runCli } from './run-cli.js';

const NO_STACK = /\n\s+at .+\(.*:\d+:\d+\)/;
const work = temporaryDirectory('balloonsim-sweep-cli-');
const read = (...parts: string[]): string => readFileSync(join(work, ...parts), 'utf8');

describe('balloonsim sweep', () => {
  const grid = join(work, 'grid.yaml');
  writeFileSync(grid, 'name: targets\nbase: default\nduration: 150s\nparameters:\n  events[0].setTarget.memory: [256MiB, 1GiB]\n  seed: [1, 2, 3]\n');

  it('--dry-run lists the cases without running them', () => {
    const run = runCli(['sweep', grid, '--dry-run', '--shard', '1/2']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^balloonsim sweep targets \(dry run\): 6 cases, shard 1\/2: 3 of them\n/);
    expect(run.stdout).toMatch(/^0\s+events\[0\]\.setTarget\.memory=256MiB seed=1\s+4\s+150s\s+1\s+to run$/m);
    expect(run.stdout).toMatch(/^4\s+events\[0\]\.setTarget\.memory=1GiB seed=2\s+4\s+150s\s+2\s+to run$/m);
    expect(run.stdout).not.toMatch(/^1\s/m);
    const json = JSON.parse(runCli(['sweep', grid, '--dry-run', '--json']).stdout) as { cases: Array<{ case: number; finished: boolean }> };
    expect(json.cases.map((c) => c.case)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(existsSync(join(work, 'nothing'))).toBe(false);
  });

  it('shows what the guard refused, aggregates the seeds, and exits 0 (refused is not failed)', () => {
    const run = runCli(['sweep', grid, '--concurrency', '2', '--out', join(work, 'out')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^0\s+events\[0\]\.setTarget\.memory=256MiB seed=1\s+refused \(1\)/m);
    expect(run.stdout).toMatch(/^3\s+events\[0\]\.setTarget\.memory=1GiB seed=1\s+ok/m);
    expect(run.stdout).toMatch(/the over-shrink guard refused a target of 3 cases:\n {2}case 0 .*: idle at 2m: refused to shrink idle to 256 MiB/);
    expect(run.stdout).toMatch(/seeds aggregated: the mean of each setting over its seeds/);
    expect(run.stdout).toMatch(/^events\[0\]\.setTarget\.memory=256MiB\s+3\s+refused\s+[\d.]+ GiB ± [\d.]+ [GM]iB/m);
    expect(run.stdout).toMatch(/wrote .*: sweep\.csv, sweep\.parquet, sweep-aggregate\.csv, sweep-aggregate\.parquet, report\.html, sweep\.json, rows\//);
    const csv = read('out', 'sweep.csv').split('\n');
    expect(csv[0]).toMatch(/^case,label,base,param\.events\[0\]\.setTarget\.memory,param\.seed,status,refused,warnings,scenario,/);
    expect(csv[1]).toMatch(/^0,events\[0\]\.setTarget\.memory=256MiB seed=1,default,256MiB,1,refused,"?idle at 2m: refused to shrink idle/);
    const aggregate = read('out', 'sweep-aggregate.csv').split('\n');
    expect(aggregate[0]).toMatch(/^group,label,base,param\.events\[0\]\.setTarget\.memory,cases,seeds,n,status,cases_failed,cases_refused,cases_warning,cases_ok,/);
    expect(aggregate[1]).toMatch(/^0,events\[0\]\.setTarget\.memory=256MiB,default,256MiB,0 1 2,1 2 3,3,refused,0,3,0,0,/);
  });

  it('resumes after an interruption: finished cases are not run again', () => {
    const out = join(work, 'out');
    // As if interrupted after four cases: two rows are missing, and the table was never written.
    rmSync(join(out, 'rows', 'case-0001.json'));
    rmSync(join(out, 'rows', 'case-0004.json'));
    const before = JSON.parse(read('out', 'sweep.json')) as SweepTable;
    rmSync(join(out, 'sweep.json'));
    const dry = runCli(['sweep', grid, '--dry-run', '--out', out]);
    expect(dry.stdout).toMatch(/4 finished before, 2 to run/);
    const run = runCli(['sweep', grid, '--concurrency', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/resuming targets: 4 of 6 cases finished before and are not run again/);
    expect(run.stdout).toMatch(/6 cases in [\d.]+ s on 2 threads \(4 finished before and taken over\)/);
    const after = JSON.parse(read('out', 'sweep.json')) as SweepTable;
    expect(after.rows).toEqual(before.rows);
    expect(Object.keys(after.timing[0]!.caseSeconds)).toHaveLength(6);
    expect(readdirSync(join(out, 'rows'))).toHaveLength(6);
  });

  it('refuses an --out that holds another grid\'s sweep, unless --restart', () => {
    const other = join(work, 'other.yaml');
    writeFileSync(other, 'name: other\nbase: default\nduration: 30s\nparameters:\n  seed: [7]\n');
    const refused = runCli(['sweep', other, '--out', join(work, 'out')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds the results of another sweep grid .*give another --out directory, or add --restart/);
    expect(refused.stderr).not.toMatch(NO_STACK);
    const restarted = runCli(['sweep', other, '--out', join(work, 'out'), '--restart', '--quiet']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(readdirSync(join(work, 'out', 'rows'))).toEqual(['case-0000.json']);
    expect(existsSync(join(work, 'out', 'sweep-aggregate.csv'))).toBe(true);
    // One seed is still a seed parameter: its setting has n = 1 and no interval.
    expect(read('out', 'sweep-aggregate.csv').split('\n')[1]).toMatch(/^0,default,default,0,7,1,ok,/);
    expect(runCli(['sweep', other, '--restart']).stderr).toMatch(/--restart .* add --out DIR/);
    writeFileSync(join(work, 'a-file'), 'x');
    const file = runCli(['sweep', other, '--out', join(work, 'a-file')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/is a file, not a folder/);
  });
});
