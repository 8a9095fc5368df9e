/**
 * A policy module whose call never returns, through bin/balloonsim.js: the
 * run stops with exit code 2 and a message that says which call, when, and
 * what to do (the limit lowered with BALLOONSIM_POLICY_CALL_LIMIT); a sweep
 * fails that case and goes on; a slow call under the limit runs to the end.
 * A module whose top-level code never finishes loading is stopped or named
 * the same way, by run and by validate.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { DECIDE_LOOPS_FROM_5S } from '../support/policy-module-scenario.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runCli, type CliResult } from './run-cli.js';

const NO_STACK = /\n\s+at .+\(.*:\d+:\d+\)/;
const LOWERED = { BALLOONSIM_POLICY_CALL_LIMIT: '400ms' };

/** A scenario file (s.yaml) with the policy module p.mjs of `source`, in a fresh directory; returns the scenario's path. */
function scenarioFile(source: string): string {
  const dir = temporaryDirectory('balloonsim-cli-policy-watch-');
  writeFileSync(join(dir, 'p.mjs'), source);
  writeFileSync(join(dir, 's.yaml'), 'host: {memory: 256MiB, backPressure: false, policy: {kind: module, path: ./p.mjs, period: 5s}}\nguests: [{name: a, memory: 64MiB}]\nduration: 20s\n');
  // Two cases: one ends before the policy's call at 5 s, the other makes it.
  writeFileSync(join(dir, 'grid.yaml'), 'base: [s.yaml]\nparameters:\n  duration: [4s, 10s]\n');
  return join(dir, 's.yaml');
}

/** Runs the CLI and gives its result and how long it took. */
function timed(args: string[], env: Record<string, string>): CliResult & { ms: number } {
  const started = performance.now();
  const result = runCli(args, { env });
  return { ...result, ms: performance.now() - started };
}

describe('balloonsim run with a policy call that never returns', () => {
  const runs: Array<[string, string, string[], RegExp]> = [
    ['decide, inline', DECIDE_LOOPS_FROM_5S, ['--placement', 'inline'], /decide\(\) did not return: called at 5s of simulated time \(tick 5\)/],
    ['decide, on workers', DECIDE_LOOPS_FROM_5S, ['--workers', '2'], /decide\(\) did not return: called at 5s of simulated time \(tick 5\)/],
    ['decide, free-running', DECIDE_LOOPS_FROM_5S, ['--mode', 'free'], /decide\(\) did not return/],
    ['createPolicy', 'export function createPolicy() { while (true) {} }\n', [], /createPolicy\(\) did not return: called at 0s of simulated time \(tick 0\)/],
  ];
  for (const [what, source, flags, message] of runs) {
    it(`${what}: exits 2 within seconds, with the message and no stack trace`, () => {
      const path = scenarioFile(source);
      const run = timed(['run', path, ...flags], LOWERED);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain(`balloonsim: the policy module ${join(path, '..', 'p.mjs')}: `);
      expect(run.stderr).toMatch(/past the limit of 400ms for one call, and was stopped at .*p\.mjs:1:\d+\. Does \w+\(\) loop forever\? If it is only slow, raise the limit: BALLOONSIM_POLICY_CALL_LIMIT=60s/);
      expect(run.stderr).not.toMatch(NO_STACK);
      expect(run.ms).toBeLessThan(20_000);
    });
  }

  it('a sweep fails that case (exit 1), with the same message, and runs the others', () => {
    const path = scenarioFile(DECIDE_LOOPS_FROM_5S);
    const run = timed(['sweep', join(path, '..', 'grid.yaml'), '--concurrency', '1', '--json'], LOWERED);
    expect(run.code).toBe(1);
    const table = JSON.parse(run.stdout) as { rows: Array<{ label: string; status: string; error: { code: string; message: string } | null }> };
    expect(table.rows.map((row) => [row.label, row.status])).toEqual([
      ['duration=4s', 'ok'],
      ['duration=10s', 'failed'],
    ]);
    expect(table.rows[1]!.error).toMatchObject({ code: 'POLICY_INVALID', message: expect.stringMatching(/p\.mjs: decide\(\) did not return: called at 5s of simulated time \(tick 5\), it ran for .* past the limit of 400ms/) });
    expect(run.ms).toBeLessThan(30_000);
  });
});

describe('a policy module whose top-level code never finishes loading', () => {
  const LOOPS = 'for (;;) {}\nexport function createPolicy() { return { decide: () => null }; }\n';
  const NEVER_SETTLES = 'await new Promise(() => {});\nexport function createPolicy() { return { decide: () => null }; }\n';

  for (const command of ['run', 'validate']) {
    it(`${command}: top-level code that loops is stopped at the limit, exit 2, and the message says where`, () => {
      const path = scenarioFile(LOOPS);
      const run = timed([command, path], LOWERED);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      expect(run.stderr).toMatch(/^balloonsim: the policy module .*p\.mjs: its top-level code did not finish loading: imported before the run started, it ran for .* past the limit of 400ms for one call, and was stopped at .*p\.mjs:1:\d+\. Does it loop forever, or await something that never settles\?/);
      expect(run.stderr).not.toMatch(NO_STACK);
      expect(run.ms).toBeLessThan(20_000);
    });

    it(`${command}: a top-level await that never settles is named at the limit, exit 2 (it used to end with exit 0 and no word, or hang)`, () => {
      const run = timed([command, scenarioFile(NEVER_SETTLES), '--placement', 'inline'], LOWERED);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      expect(run.stderr).toMatch(/^balloonsim: the policy module .*p\.mjs is still loading after 400ms \(the limit of one call into a policy module\): does its top-level code await something that never settles\?/);
    });
  }

  it('with the watch off, the same module is named at once: nothing was left to run that could settle it', () => {
    const run = timed(['validate', scenarioFile(NEVER_SETTLES)], { BALLOONSIM_POLICY_CALL_LIMIT: '0s' });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^balloonsim: the policy module .*p\.mjs did not finish loading: its top-level code awaits something that never settles \(nothing was left to run that could settle it\)/);
  });
});

describe('balloonsim run with policy calls that return', () => {
  it('a decide slower than a tick but under the limit runs to the end', () => {
    const path = scenarioFile('export function createPolicy() { return { decide() { const end = performance.now() + 200; while (performance.now() < end) {} return null; } }; }\n');
    const run = runCli(['run', path, '--placement', 'inline', '--json'], { env: { BALLOONSIM_POLICY_CALL_LIMIT: '2s' } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { ticks: number }).ticks).toBe(20);
  });

  it('a limit that is not a duration exits 2 and says what to write', () => {
    const run = runCli(['run', scenarioFile(DECIDE_LOOPS_FROM_5S)], { env: { BALLOONSIM_POLICY_CALL_LIMIT: '10' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^balloonsim: BALLOONSIM_POLICY_CALL_LIMIT: "10" has no unit, but a duration needs one.*\(write the CPU time one call into a policy module may take, such as 10s or 500ms; 0s turns the watch off\)\n$/);
  });
});
