/** End-to-end: `run --out`, and the sweep, merge and compare commands, through bin/balloonsim.js. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEventsJsonl } from '../../src/output/events-jsonl.js';
import { RUN_OUTPUT_FILES } from '../../src/output/run-outputs.js';
import { HOST_TIMESERIES_CSV_HEADER, TIMESERIES_CSV_HEADER } from '../../src/output/timeseries-csv.js';
import type { RunSummary } from '../../src/runtime/summary.js';
import type { SweepTable } from '../../src/sweep/table.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { traceProblems } from '../support/trace-format.js';
import { runCli } from './run-cli.js';

const NO_STACK = /\n\s+at .+\(.*:\d+:\d+\)/;
const work = temporaryDirectory('balloonsim-outputs-');
const read = (...parts: string[]): string => readFileSync(join(work, ...parts), 'utf8');

function withoutTiming<T extends { timing: unknown }>(value: T): Omit<T, 'timing'> {
  const { timing: _timing, ...rest } = value;
  return rest;
}

describe('run --out', () => {
  let summaryFromJson: RunSummary;
  beforeAll(() => {
    const run = runCli(['run', '--duration', '3m', '--placement', 'inline', '--out', join(work, 'run')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /wrote .*run: timeseries.csv, host-timeseries.csv, events.jsonl, timeseries.parquet, host-timeseries.parquet, events.parquet, trace.json, report.html, summary.json \(180 samples\)/,
    );
    const json = runCli(['run', '--duration', '3m', '--placement', 'inline', '--json']);
    summaryFromJson = JSON.parse(json.stdout) as RunSummary;
  });

  it('writes summary.json as --json prints it', () => {
    expect(withoutTiming(JSON.parse(read('run', 'summary.json')) as RunSummary)).toEqual(withoutTiming(summaryFromJson));
  });

  it('writes timeseries.csv: a row per guest per sample, and host-timeseries.csv: a row per sample', () => {
    const lines = read('run', 'timeseries.csv').trimEnd().split('\n');
    expect(lines[0]).toBe(TIMESERIES_CSV_HEADER);
    expect(lines).toHaveLength(1 + 180 * 4);
    expect(lines[1]).toMatch(/^1,web,1,/);
    expect(lines[lines.length - 1]).toMatch(/^180,idle,1,/);
    const host = read('run', 'host-timeseries.csv').trimEnd().split('\n');
    expect(host[0]).toBe(HOST_TIMESERIES_CSV_HEADER);
    expect(host).toHaveLength(1 + 180);
    expect(host[180]).toMatch(/^180,\d+,\d+,high$/);
  });

  it('writes events.jsonl: the host event log', () => {
    const events = parseEventsJsonl(read('run', 'events.jsonl'));
    expect(events).toHaveLength(summaryFromJson.host.events);
    expect(events.filter((e) => e.kind === 'boot')).toHaveLength(4);
    expect(events.some((e) => e.kind === 'setTarget' && e.guest === 'idle' && e.timeMs === 120_000)).toBe(true);
  });

  it('writes trace.json in the Chrome trace event format', () => {
    const trace: unknown = JSON.parse(read('run', 'trace.json'));
    expect(traceProblems(trace)).toEqual([]);
    const events = (trace as { traceEvents: Array<{ name: string; ph: string }> }).traceEvents;
    expect(events.filter((e) => e.ph === 'C' && e.name === 'memory (MiB)')).toHaveLength(180 * 4);
  });

  it('writes report.html: one page with everything inlined and the samples embedded', () => {
    const html = read('run', 'report.html');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain('uPlot');
    const data = JSON.parse(/<script type="application\/json" id="balloonsim-data">(.*?)<\/script>/s.exec(html)![1]!) as { timesS: number[]; guests: Array<{ name: string }> };
    expect(data.timesS).toHaveLength(180);
    expect(data.guests.map((g) => g.name)).toEqual(['web', 'db', 'batch', 'idle']);
  });

  it('with --json, stdout holds the summary alone', () => {
    const run = runCli(['run', '--duration', '1m', '--placement', 'inline', '--json', '--out', join(work, 'run-json')]);
    expect(run.code).toBe(0);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
    expect(existsSync(join(work, 'run-json', 'report.html'))).toBe(true);
  });

  it('--report-guests picks the guests report.html draws, and refuses a name that matches none before running', () => {
    const run = runCli(['run', '--duration', '1m', '--placement', 'inline', '--quiet', '--report-guests', 'i*,db', '--out', join(work, 'run-picked')]);
    expect(run.code, run.stderr).toBe(0);
    const html = read('run-picked', 'report.html');
    const data = JSON.parse(/<script type="application\/json" id="balloonsim-data">(.*?)<\/script>/s.exec(html)![1]!) as { guests: Array<{ name: string; reasons: string[] }> };
    expect(data.guests.map((g) => [g.name, g.reasons])).toEqual([
      ['idle', ['picked']],
      ['db', ['picked']],
    ]);
    const bad = runCli(['run', '--report-guests', 'web,nope*', '--out', join(work, 'run-bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--report-guests: "nope\*" matches no guest of default \(its guests: web, db, batch, idle\)/);
    expect(existsSync(join(work, 'run-bad'))).toBe(false);
  });

  it('--sample-every sets the sample interval, and needs --out', () => {
    const run = runCli(['run', '--duration', '2m', '--placement', 'inline', '--quiet', '--sample-every', '30', '--out', join(work, 'run-30')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(read('run-30', 'timeseries.csv').trimEnd().split('\n')).toHaveLength(1 + 4 * 4);
    const bad = runCli(['run', '--sample-every', '30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--out/);
  });
});

describe('sweep, merge and compare', () => {
  const gridFile = join(work, 'grid.yaml');
  beforeAll(() => {
    writeFileSync(gridFile, 'name: small\nbase: default\nduration: 1m\nparameters:\n  host.memory: [12GiB, 16GiB]\n  seed: [1, 2, 3]\n');
  });

  it('shards 1/2 and 2/2, merged, equal the unsharded sweep (table and CSV)', () => {
    const whole = runCli(['sweep', gridFile, '--concurrency', '2', '--out', join(work, 'whole')]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/small: 6 cases/);
    for (const i of [1, 2]) {
      const shard = runCli(['sweep', gridFile, '--shard', `${i}/2`, '--concurrency', '1', '--out', join(work, `shard-${i}`), '--quiet']);
      expect(shard.code, shard.stderr).toBe(0);
      expect((JSON.parse(read(`shard-${i}`, 'sweep.json')) as SweepTable).rows.map((r) => r.case)).toEqual(i === 1 ? [0, 2, 4] : [1, 3, 5]);
    }
    const merge = runCli(['merge', join(work, 'shard-2'), join(work, 'shard-1', 'sweep.json'), '--out', join(work, 'merged')]);
    expect(merge.code, merge.stderr).toBe(0);
    const merged = JSON.parse(read('merged', 'sweep.json')) as SweepTable;
    const unsharded = JSON.parse(read('whole', 'sweep.json')) as SweepTable;
    expect(withoutTiming(merged)).toEqual(withoutTiming(unsharded));
    expect(read('merged', 'sweep.csv')).toBe(read('whole', 'sweep.csv'));
    // The same Parquet as one machine gives, byte for byte (seeds aggregated too).
    for (const name of ['sweep.parquet', 'sweep-aggregate.parquet', 'sweep-aggregate.csv']) {
      expect(readFileSync(join(work, 'merged', name)).equals(readFileSync(join(work, 'whole', name))), name).toBe(true);
    }
    expect(merged.rows.every((row) => row.status === 'ok' && row.metrics?.auditViolations === 0)).toBe(true);
  });

  it('merge refuses a shard given twice, a missing shard and another grid', () => {
    const twice = runCli(['merge', join(work, 'shard-1'), join(work, 'shard-1')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/case 0 .* is in both/);
    const missing = runCli(['merge', join(work, 'shard-1')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/3 of 6 cases are missing .*missing shards: 2\/2/);
    const otherGrid = join(work, 'other.yaml');
    writeFileSync(otherGrid, 'base: default\nduration: 1m\nparameters:\n  seed: [5, 6]\n');
    expect(runCli(['sweep', otherGrid, '--shard', '2/2', '--out', join(work, 'other'), '--quiet']).code).toBe(0);
    const mixed = runCli(['merge', join(work, 'shard-1'), join(work, 'other')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/different grid/);
    expect(mixed.stderr).not.toMatch(NO_STACK);
  });

  it('bad grids are bad input: file, line and column, or the case and parameter', () => {
    const unknownKey = join(work, 'unknown-key.yaml');
    writeFileSync(unknownKey, 'base: default\nparameter:\n  seed: [1]\n');
    const run1 = runCli(['sweep', unknownKey]);
    expect(run1.code).toBe(2);
    expect(run1.stderr).toMatch(/unknown-key\.yaml:2:1: parameter: unknown key "parameter" \(did you mean "parameters"\?/);
    const badPath = join(work, 'bad-path.yaml');
    writeFileSync(badPath, 'base: default\nparameters:\n  guests[name=nope].memory: [1GiB]\n');
    const run2 = runCli(['sweep', badPath]);
    expect(run2.code).toBe(2);
    expect(run2.stderr).toMatch(/guests has no item with name nope \(there are: web, db, batch, idle\)/);
    const badValue = join(work, 'bad-value.yaml');
    writeFileSync(badValue, 'base: default\nparameters:\n  host.memory: [16GiB, 512]\n');
    const run3 = runCli(['sweep', badValue]);
    expect(run3.code).toBe(2);
    expect(run3.stderr).toMatch(/case 1 \(host\.memory=512\).*host\.memory/);
    expect(runCli(['sweep', gridFile, '--shard', '3/2']).stderr).toMatch(/shard 3\/2 does not exist/);
    for (const run of [run1, run2, run3]) expect(run.stderr).not.toMatch(NO_STACK);
  });

  it('--case-outputs keeps each case\'s run files, which compare reads', () => {
    const run = runCli(['sweep', gridFile, '--shard', '1/3', '--case-outputs', '--out', join(work, 'cases'), '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    for (const name of RUN_OUTPUT_FILES) expect(existsSync(join(work, 'cases', 'case-0003', name))).toBe(true);
    const compared = runCli(['compare', join(work, 'cases', 'case-0000'), join(work, 'cases', 'case-0003'), '--json']);
    expect(compared.code, compared.stderr).toBe(0);
    expect((JSON.parse(compared.stdout) as Array<{ label: string }>).map((r) => r.label)).toEqual(['case-0000', 'case-0003']);
    expect(runCli(['sweep', gridFile, '--case-outputs']).code).toBe(2);
  });

  it('a case that cannot boot fails alone; the sweep goes on and exits 1', () => {
    const tiny = join(work, 'tiny.yaml');
    writeFileSync(tiny, 'base: default\nduration: 30s\nparameters:\n  host.backing: [lazy, eager]\n');
    const run = runCli(['sweep', tiny, '--json']);
    expect(run.code).toBe(1);
    const table = JSON.parse(run.stdout) as SweepTable;
    expect(table.rows.map((r) => r.status)).toEqual(['ok', 'failed']);
    expect(table.rows[1]!.metrics).toBeNull();
    // The preflight finds it before the case allocates anything.
    expect(table.rows[1]!.error).toMatchObject({ code: 'PREFLIGHT', message: expect.stringMatching(/guests: the guests cannot boot: they need .* \(all their boot memory \(backing: eager\)\)/) });
    // ...and the sweep says so before it starts, not only in the table at its end (a sweep of hours reached such a case last).
    expect(run.stderr).toMatch(/^balloonsim: 1 of 2 cases cannot run and will fail at once \(the others run; fix the grid to run these too\):\n {2}case 1 \(host\.backing=eager\): guests: the guests cannot boot: /);
    const dry = runCli(['sweep', tiny, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/^balloonsim: 1 of 2 cases cannot run and will fail at once/);
    expect(runCli(['sweep', tiny, '--dry-run', '--quiet']).stderr).toBe('');
  });

  it('compare puts run directories and sweep cases side by side', () => {
    for (const seed of ['1', '2']) expect(runCli(['run', '--duration', '2m', '--placement', 'inline', '--seed', seed, '--quiet', '--out', join(work, `seed-${seed}`)]).code).toBe(0);
    const run = runCli(['compare', join(work, 'seed-1'), join(work, 'seed-2'), join(work, 'whole'), '--out', join(work, 'compare')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/run\s+scenario\s+seed\s+saved \(mean\)/);
    expect(run.stdout).toMatch(/^seed-1\s+default\s+1\s/m);
    expect(run.stdout).toMatch(/^host\.memory=16GiB seed=3\s+default\s+3\s/m);
    expect(read('compare', 'compare.csv').trimEnd().split('\n')).toHaveLength(1 + 2 + 6);
    expect(read('compare', 'compare.html')).toContain('"kind":"compare"');
    const one = runCli(['compare', join(work, 'seed-1')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/two or more runs/);
    const nothing = runCli(['compare', join(work, 'nope'), join(work, 'seed-1')]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nope: no such file or directory/);
  });
});

describe('CLI conventions', () => {
  it('every command has --help with examples', () => {
    for (const command of ['run', 'validate', 'sweep', 'merge', 'compare', 'query', 'schema']) {
      const run = runCli([command, '--help']);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toMatch(/Usage: balloonsim/);
      expect(run.stdout, command).toMatch(/Examples?:/);
    }
    expect(runCli(['--help']).stdout).toMatch(/sweep .*\n(.*\n)*.*compare/);
  });

  it('colours only where asked, and never with NO_COLOR', () => {
    const args = ['run', '--duration', '30s', '--placement', 'inline'];
    expect(runCli(args).stdout).not.toContain('\x1b[');
    expect(runCli(args, { env: { FORCE_COLOR: '1' } }).stdout).toContain('\x1b[1m');
    expect(runCli(args, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toContain('\x1b[');
  });

  it('prints no progress bar when stderr is not a terminal', () => {
    const run = runCli(['run', '--duration', '20m', '--placement', 'inline', '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('schema prints the published schemas', () => {
    const root = new URL('../../', import.meta.url).pathname;
    expect(runCli(['schema']).stdout).toBe(readFileSync(join(root, 'schema', 'scenario.schema.json'), 'utf8'));
    expect(runCli(['schema', 'grid']).stdout).toBe(readFileSync(join(root, 'schema', 'grid.schema.json'), 'utf8'));
    expect(runCli(['schema', 'scenarios']).code).toBe(2);
  });
});
