import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/runtime/summary.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runCli } from './run-cli.js';

function summaryOf(stdout: string): RunSummary {
  return JSON.parse(stdout) as RunSummary;
}

function withoutTiming(summary: RunSummary): Omit<RunSummary, 'timing'> {
  const { timing: _timing, ...rest } = summary;
  return rest;
}

function scenarioFile(text: string): string {
  const dir = temporaryDirectory('balloonsim-cli-');
  const path = join(dir, 'scenario.yaml');
  writeFileSync(path, text);
  return path;
}

const NO_STACK = /\n\s+at .+\(.*:\d+:\d+\)/;

describe('balloonsim run on the default scenario', () => {
  it('gives the same JSON summary, apart from timing, in every placement; a different seed differs', () => {
    const runs = [
      ['--placement', 'inline'],
      ['--placement', 'workers', '--workers', '1'],
      ['--workers', '2'],
      ['--workers', '4'],
    ].map((flags) => runCli(['run', '--json', '--seed', '7', ...flags]));
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    const summaries = runs.map((run) => summaryOf(run.stdout));
    const first = summaries[0]!;
    expect(first.seed).toBe(7);
    expect(first.audit.checks).toBeGreaterThan(0);
    expect(first.audit.violations).toBe(0);
    for (const other of summaries.slice(1)) expect(withoutTiming(other)).toEqual(withoutTiming(first));
    expect(summaries.map((s) => s.timing.threads)).toEqual([1, 1, 2, 4]);

    const other = runCli(['run', '--json', '--seed', '8', '--placement', 'inline']);
    expect(other.code).toBe(0);
    const otherSummary = summaryOf(other.stdout);
    expect(withoutTiming({ ...otherSummary, seed: 7 })).not.toEqual(withoutTiming(first));
  });

  it('shows a balloon that inflates and later deflates', () => {
    const run = runCli(['run', '--json', '--placement', 'inline']);
    expect(run.code).toBe(0);
    const summary = summaryOf(run.stdout);
    const deflated = summary.guests.filter((g) => g.peakBalloonBytes > 0 && g.balloonBytes < g.peakBalloonBytes);
    expect(deflated.length).toBeGreaterThan(0);
  });

  it('prints a readable table by default', () => {
    const run = runCli(['run', '--duration', '3m', '--placement', 'inline']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/guest\s+boot\s+target\s+actual/);
    expect(run.stdout).toMatch(/audit: \d+ checks .* 0 violations/);
  });
});

describe('bad input exits 2 with a clear message and no stack trace', () => {
  const bare = scenarioFile(`name: bare
host: { memory: 1GiB }
guests:
  - name: g
    memory: 512
`);

  it('validate names the field and the accepted units', () => {
    const run = runCli(['validate', bare]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('guests[0].memory');
    expect(run.stderr).toMatch(/MiB/);
    expect(run.stderr).toMatch(/GB/);
    expect(run.stderr).toMatch(/:5:\d+:/);
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(run.stdout).toBe('');
  });

  it('run refuses it the same way', () => {
    const run = runCli(['run', bare, '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('guests[0].memory');
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(run.stdout).toBe('');
  });

  it.each([
    [['run', '--seed', 'seven']],
    [['run', '--placement', 'cloud']],
    [['run', '--duration', '30']],
    [['run', '--placement', 'inline', '--workers', '2']],
    [['run', '--no-such-flag']],
    [['run', '/no/such/file.yaml']],
    [['frobnicate']],
    [['validate']],
  ])('%j', (args) => {
    const run = runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr.length).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(NO_STACK);
  });

  it('a host too small to boot its guests is bad input too', () => {
    const file = scenarioFile(`name: tiny
host: { memory: 64MiB, backing: eager }
guests:
  - { name: a, memory: 48MiB }
  - { name: b, memory: 48MiB }
`);
    const run = runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot boot/);
  });
});

describe('help', () => {
  it('every command has help with examples', () => {
    for (const args of [['--help'], ['run', '--help'], ['validate', '--help']]) {
      const run = runCli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Usage/);
    }
    expect(runCli(['run', '--help']).stdout).toMatch(/Examples/);
  });

  it('validate describes a valid file', () => {
    const file = scenarioFile(`name: ok
host: { memory: 2GiB }
guests: [ { name: a, memory: 1GiB }, { name: b, memory: 2GiB } ]
`);
    const run = runCli(['validate', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/valid scenario "ok": 2 guests/);
  });
});
