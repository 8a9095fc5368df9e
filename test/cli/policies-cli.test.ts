/** The CLI with policies, --set, the guard's report, and policy modules, end to end through bin/balloonsim.js. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/runtime/summary.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runCli } from './run-cli.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const NO_STACK = /\n\s+at .+\(.*:\d+:\d+\)/;

function dirWith(files: Record<string, string>): string {
  const dir = temporaryDirectory('balloonsim-cli-policy-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const SMALL = (policy: string) => `host: {memory: 256MiB, backPressure: false, policy: ${policy}}\nguests: [{name: a, memory: 64MiB}]\nduration: 10s\n`;

describe('balloonsim run with policies', () => {
  it('--set changes a policy setting, and the summary shows the policy and its parameters', () => {
    const run = runCli(['run', `${EXAMPLES}esx-idle-tax.yaml`, '--json', '--placement', 'inline', '--duration', '1m', '--set', 'host.policy.tau=0']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.schemaVersion).toBe(2);
    expect(summary.host.policy).toEqual({ name: 'esx', periodSeconds: 30, parameters: { tau: 0, samples: 100, fastWeight: 0.5, slowWeight: 0.1 }, paused: false });
    expect(summary.host.stateTicks).toEqual({ high: 60, soft: 0, hard: 0, low: 0 });
    expect(summary.guests.map((g) => g.guardRefusals)).toEqual([0, 0]);
  });

  it('prints the guard refusals, warnings, dry run and forced target after the table', () => {
    const run = runCli(['run', `${EXAMPLES}admin-guard.yaml`, '--placement', 'inline']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\nevents:\n');
    expect(run.stdout).toContain('2m guardRefusal web: refused to shrink web to 1 GiB: that is 1.68 GiB below its floor of 2.68 GiB (working set plus kernel memory)');
    expect(run.stdout).toContain('looks like a size in KiB read as bytes');
    expect(run.stdout).toContain('4m dryRun web: dry run: web to 1 GiB: the balloon would grow by 3 GiB');
    expect(run.stdout).toMatch(/5m setTarget web: 1 GiB \(262144 pages\) by scenario event \(forced\)/);
  });

  it('runs a policy module named in the scenario, on worker threads too', () => {
    const dir = dirWith({
      'p.mjs': 'export default function (context) { return { name: "quarter", decide: (view) => new Map(view.guests.map((g) => [g.index, g.maxPages / 4])) }; }\n',
      's.yaml': SMALL('{kind: module, path: ./p.mjs}'),
    });
    const run = runCli(['run', join(dir, 's.yaml'), '--json', '--workers', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.host.policy.name).toBe('quarter');
    expect(summary.guests[0]!.targetBytes).toBe(16 * 2 ** 20);
  });
});

describe('bad policies and overrides exit 2 with a clear message and no stack trace', () => {
  const cases: Array<[string, Record<string, string>, string[], RegExp]> = [
    ['a module that is not there', { 's.yaml': SMALL('{kind: module, path: ./missing.mjs}') }, [], /host\.policy\.path: there is no policy module at "\.\/missing\.mjs"/],
    ['a module with no createPolicy', { 'p.mjs': 'export const policy = {};\n', 's.yaml': SMALL('{kind: module, path: ./p.mjs}') }, [], /exports no createPolicy function \(it exports policy\); write for example/],
    ['a module that is not JavaScript', { 'p.mjs': 'export function (\n', 's.yaml': SMALL('{kind: module, path: ./p.mjs}') }, [], /cannot load the policy module .*p\.mjs: it is not valid JavaScript/],
    ['a decide that returns a list', { 'p.mjs': 'export const createPolicy = () => ({ decide: () => [1] });\n', 's.yaml': SMALL('{kind: module, path: ./p.mjs}') }, [], /decide returned a list; return a Map/],
    ['a decide that calls process.exit', { 'p.mjs': 'export const createPolicy = () => ({ decide: () => process.exit(3) });\n', 's.yaml': SMALL('{kind: module, path: ./p.mjs}') }, [], /decide called process\.exit\(3\), which would end the whole run without a word/],
    ['--set without =', { 's.yaml': SMALL('esx') }, ['--set', 'host.policy.tau'], /--set takes PATH=VALUE/],
    ['--set with a bad value', { 's.yaml': SMALL('esx') }, ['--set', 'host.policy.tau=2'], /host\.policy\.tau: 2 is more than 1; a fraction is from 0 to 1 \(from --set host\.policy\.tau=2\)/],
  ];
  for (const [what, files, flags, message] of cases) {
    it(what, () => {
      const dir = dirWith(files);
      for (const command of ['run', 'validate']) {
        const run = runCli([command, join(dir, 's.yaml'), ...flags]);
        if (command === 'validate' && what.startsWith('a decide')) {
          expect(run.code).toBe(0); // validate loads the module but runs nothing
          continue;
        }
        expect({ command, code: run.code }).toEqual({ command, code: 2 });
        expect(run.stderr).toMatch(message);
        expect(run.stderr).not.toMatch(NO_STACK);
        expect(run.stdout).toBe('');
      }
    });
  }
});
