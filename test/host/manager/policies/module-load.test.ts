/**
 * Loading a user's policy module whose top-level code never finishes: it
 * awaits something that never settles (a PolicyError at the limit, or at
 * once when nothing is left that could settle it), or, in a watched run, it
 * is a call into the module's code ('load') like any other.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importPolicyModule } from '../../../../src/host/manager/policies/module-load.js';
import type { PolicyCallGate, PolicyMethod } from '../../../../src/host/policy/policy-calls.js';
import { PolicyError } from '../../../../src/host/policy/policy-error.js';
import { temporaryDirectory } from '../../../support/temporary-directory.js';

/** A module of `source` in a fresh directory; returns its path. */
function moduleFile(source: string): string {
  const path = join(temporaryDirectory('balloonsim-module-load-'), 'p.mjs');
  writeFileSync(path, source);
  return path;
}

/** A gate that records what it was told. */
function recordingGate(): PolicyCallGate & { said: string[] } {
  const said: string[] = [];
  const methods: PolicyMethod[] = [];
  return {
    said,
    codeOf: (path, method) => methods.push(method) - 1,
    enter: (code, timeMs) => void said.push(`enter ${methods[code]} at ${timeMs}`),
    leave: () => void said.push('leave'),
  };
}

describe('importPolicyModule', () => {
  it('gives the namespace of a module that loads, its import marked as a call, and leaves no listener behind', async () => {
    const gate = recordingGate();
    const listeners = process.listenerCount('beforeExit');
    const namespace = await importPolicyModule(moduleFile('await Promise.resolve();\nexport function createPolicy() { return { decide: () => null }; }\n'), { gate, waitMs: 5000 });
    expect(typeof namespace['createPolicy']).toBe('function');
    expect(gate.said).toEqual(['enter load at 0', 'leave']);
    expect(process.listenerCount('beforeExit')).toBe(listeners);
  });

  it('a top-level await that never settles is a PolicyError at the limit, which says what to look for and how to raise it', async () => {
    const gate = recordingGate();
    const path = moduleFile('await new Promise(() => {});\nexport function createPolicy() {}\n');
    const loading = importPolicyModule(path, { gate, waitMs: 300 });
    await expect(loading).rejects.toThrow(PolicyError);
    await expect(loading).rejects.toThrow(`the policy module ${path} is still loading after 300ms (the limit of one call into a policy module): does its top-level code await something that never settles?`);
    await expect(loading).rejects.toThrow('BALLOONSIM_POLICY_CALL_LIMIT=60s');
    expect(gate.said).toEqual(['enter load at 0', 'leave']);
  });

  it('the error of a module that throws as it loads is its own', async () => {
    await expect(importPolicyModule(moduleFile('throw new TypeError("no config");\n'))).rejects.toThrow('no config');
  });

  it('with nothing left to run (no limit, nothing else alive) the process says so at once, instead of ending with exit 0 and no word', () => {
    const path = moduleFile('await new Promise(() => {});\nexport function createPolicy() {}\n');
    const loader = pathToFileURL(join(import.meta.dirname, '../../../../dist/host/manager/policies/module-load.js')).href;
    const script = `import(${JSON.stringify(loader)}).then(({ importPolicyModule }) => importPolicyModule(${JSON.stringify(path)}, { waitMs: 0 })).then(() => { console.log('loaded'); }, (error) => { console.log(error.name + ': ' + error.message); process.exitCode = 2; });`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe(`PolicyError: the policy module ${path} did not finish loading: its top-level code awaits something that never settles (nothing was left to run that could settle it). Look for a top-level await of a promise that nothing resolves\n`);
  });
});
