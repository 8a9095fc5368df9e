/**
 * Users' policies as JavaScript modules: loading a module (and the errors
 * that say what to export), the factory's context, and the checks on what a
 * user's object returns, each problem a PolicyError naming the module.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyModules, ModulePolicy, policyModulePaths, type ModulePolicyContext } from '../../../../src/host/manager/policies/module-policy.js';
import type { PolicyCallGate } from '../../../../src/host/policy/policy-calls.js';
import { PolicyError } from '../../../../src/host/policy/policy-error.js';
import type { ModulePolicySpec, Scenario } from '../../../../src/model/scenario.js';
import { guest, scenario } from '../../../support/scenarios.js';
import { temporaryDirectory } from '../../../support/temporary-directory.js';
import { asObject, guestView, hostView } from './views.js';

const spec = (path = '/policies/keep-half.mjs', options: Record<string, unknown> = { share: 0.5 }): ModulePolicySpec => ({ kind: 'module', path, periodMs: 5000, options });
const view = hostView([guestView(0, { name: 'web' }), guestView(1, { name: 'db' })]);
const policyOf = (object: unknown) => new ModulePolicy(spec(), () => object, 4096, 1);

describe('ModulePolicy', () => {
  it('calls the factory with the options, the period, the frame size and a seed of its own; names the policy after the file', () => {
    let context: ModulePolicyContext | null = null;
    const policy = new ModulePolicy(spec(), (c) => ((context = c), { decide: () => new Map() }), 4096, 1);
    expect(context).toMatchObject({ options: { share: 0.5 }, periodMs: 5000, frameBytes: 4096 });
    expect([policy.name, policy.periodMs]).toEqual(['keep-half', 5000]);
    expect(policy.parameters).toEqual({ module: 'keep-half.mjs', options: '{"share":0.5}' });
    // The seed follows the file name, not where the file is.
    let other: ModulePolicyContext | null = null;
    new ModulePolicy(spec('/elsewhere/keep-half.mjs'), (c) => ((other = c), { decide: () => new Map() }), 4096, 1);
    expect(other!.seed).toBe(context!.seed);
    expect(policyOf({ name: 'mine', decide: () => null }).name).toBe('mine');
  });

  it('takes targets by index or name, from a Map or an object, in whole pages', () => {
    expect(asObject(policyOf({ decide: () => new Map<unknown, number>([[0, 100.7], ['db', 200]]) }).decide(view))).toEqual({ 0: 100, 1: 200 });
    expect(asObject(policyOf({ decide: () => ({ web: 5, 1: 6 }) }).decide(view))).toEqual({ 0: 5, 1: 6 });
    expect(policyOf({ decide: () => undefined }).decide(view).size).toBe(0);
  });

  it('refuses targets that are not pages of a guest, naming the module and what to return', () => {
    const refused = (result: unknown) => () => policyOf({ decide: () => result }).decide(view);
    expect(refused([1, 2])).toThrow(PolicyError);
    expect(refused([1, 2])).toThrow('policy keep-half (/policies/keep-half.mjs): decide returned a list; return a Map (or an object) from guest index or name to a target in pages');
    expect(refused({ nobody: 5 })).toThrow('decide returned a target for "nobody", which is no guest');
    expect(refused({ web: -1 })).toThrow('decide returned -1 as the target of web');
    expect(refused(new Map([[0, Number.NaN]]))).toThrow('as the target of web');
    expect(refused(42)).toThrow('decide returned number 42');
  });

  // An async decide ran to completion as a Promise with no entries: no targets, exit 0. An async one that threw crashed the process.
  it('refuses a Promise from the user\'s code (an async method) and keeps its rejection from going unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const message = 'policy keep-half (/policies/keep-half.mjs): decide returned a Promise (is it an async function?); it must return its result at once: simulated time does not wait for it';
      expect(() => policyOf({ decide: async () => new Map([[0, 100]]) }).decide(view)).toThrow(message);
      expect(() => policyOf({ decide: async () => Promise.reject(new Error('later')) }).decide(view)).toThrow(PolicyError);
      const observed = policyOf({ decide: () => null, observe: async () => { throw new Error('later'); } });
      expect(() => observed.observe!(view)).toThrow('policy keep-half (/policies/keep-half.mjs): observe returned a Promise');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  // A module imports definePolicy from the package (dist/index.js), the CLI runs its bundle: two copies of PolicyError.
  it('passes on a PolicyError of the package\'s other copy as it is, not as something decide threw', () => {
    const foreign = Object.assign(new Error('policy mine: decide returned NaN as the target of web; give bytes'), { name: 'PolicyError', code: 'POLICY_INVALID' });
    const policy = policyOf({
      decide: () => {
        throw foreign;
      },
    });
    expect(() => policy.decide(view)).toThrow(PolicyError);
    expect(() => policy.decide(view)).toThrow(/^policy mine: decide returned NaN as the target of web; give bytes$/);
  });

  it('names NaN and Infinity as such in a refused target, not as null', () => {
    expect(() => policyOf({ decide: () => new Map([[0, Number.NaN]]) }).decide(view)).toThrow('decide returned NaN as the target of web');
    expect(() => policyOf({ decide: () => ({ db: Infinity }) }).decide(view)).toThrow('decide returned Infinity as the target of db');
  });

  it('turns what the user\'s code throws into a PolicyError naming the method', () => {
    const policy = policyOf({
      decide: () => {
        throw new TypeError('oops');
      },
    });
    expect(() => policy.decide(view)).toThrow('policy keep-half (/policies/keep-half.mjs): decide threw TypeError: oops');
    expect(() => new ModulePolicy(spec(), () => { throw new Error('no'); }, 4096, 1)).toThrow('the policy module /policies/keep-half.mjs: createPolicy threw Error: no');
    expect(() => policyOf({ observe: () => {} })).toThrow('createPolicy must return an object with a decide(view) method');
  });

  it('refuses process.exit in the user\'s code with a PolicyError naming the method, and gives process.exit back after every call', () => {
    const exit = process.exit;
    const exiting = policyOf({
      decide: () => process.exit(3),
      observe: () => process.exit(),
      reclaim: () => process.exit(0),
    });
    expect(() => exiting.decide(view)).toThrow(new PolicyError('policy keep-half (/policies/keep-half.mjs): decide called process.exit(3), which would end the whole run without a word; policy code must return (or throw an Error to stop the run with a message)'));
    expect(process.exit).toBe(exit);
    expect(() => exiting.observe!(view)).toThrow('observe called process.exit()');
    expect(() => exiting.reclaim!(view, 10)).toThrow('reclaim called process.exit(0)');
    expect(() => new ModulePolicy(spec(), () => process.exit(1), 4096, 1)).toThrow('the policy module /policies/keep-half.mjs: createPolicy called process.exit(1)');
    expect(process.exit).toBe(exit);
    // Code that catches what process.exit threw goes on as it likes: the call returns.
    const caught = policyOf({
      decide: () => {
        try {
          process.exit(4);
        } catch {
          return { web: 7 };
        }
      },
    });
    expect(caught.decide(view)).toEqual(new Map([[0, 7]]));
    expect(process.exit).toBe(exit);
  });

  it('passes observe, reclaim and sampling on when the object has them, and checks the sampling settings', () => {
    const seen: number[] = [];
    const policy = policyOf({ decide: () => null, observe: (v: { timeMs: number }) => void seen.push(v.timeMs), observeEveryMs: 500, reclaim: () => ({ web: 3 }), activeSampling: { pages: 100, periodMs: 30_000 } });
    policy.observe!(view);
    expect(seen).toEqual([0]);
    expect(policy.observeEveryMs).toBe(500);
    expect(asObject(policy.reclaim!(view, 10))).toEqual({ 0: 3 });
    expect(policy.activeSampling).toEqual({ pages: 100, periodMs: 30_000 });
    const bare = policyOf({ decide: () => null, observeEveryMs: -1 });
    expect([bare.observe, bare.reclaim, bare.observeEveryMs, bare.activeSampling]).toEqual([undefined, undefined, undefined, undefined]);
    expect(() => policyOf({ decide: () => null, activeSampling: { pages: 0, periodMs: 1000 } }).activeSampling).toThrow(/activeSampling must be \{pages: 1 to 100000, periodMs: at least 1\}/);
  });
});

describe('ModulePolicy with a call gate (a run that watches its calls)', () => {
  /** A gate that writes down what it is told. */
  function recordingGate(): { gate: PolicyCallGate; said: string[] } {
    const said: string[] = [];
    const gate: PolicyCallGate = {
      codeOf: (path, method) => (said.push(`code ${path} ${method}`), ['createPolicy', 'decide', 'observe', 'reclaim'].indexOf(method)),
      enter: (code, timeMs) => void said.push(`enter ${code} at ${timeMs}`),
      leave: () => void said.push('leave'),
    };
    return { gate, said };
  }

  it('tells the gate of every call into the user\'s code, with its simulated time, and when it is over, even when it throws', () => {
    const { gate, said } = recordingGate();
    const policy = new ModulePolicy(spec(), () => ({ decide: () => null, observe: () => {}, reclaim: () => { throw new Error('no'); } }), 4096, 1, { calls: gate, timeMs: 7000 });
    expect(said).toEqual(['code /policies/keep-half.mjs createPolicy', 'code /policies/keep-half.mjs decide', 'code /policies/keep-half.mjs observe', 'code /policies/keep-half.mjs reclaim', 'enter 0 at 7000', 'leave']);
    said.length = 0;
    const at = hostView([guestView(0)], { timeMs: 9000 });
    policy.decide(at);
    policy.observe!(at);
    expect(() => policy.reclaim!(at, 5)).toThrow('reclaim threw Error: no');
    expect(said).toEqual(['enter 1 at 9000', 'leave', 'enter 2 at 9000', 'leave', 'enter 3 at 9000', 'leave']);
  });

  it('a gate that refuses a call (the run was stopped) stops the policy from calling the user\'s code', () => {
    const { gate } = recordingGate();
    let calls = 0;
    const policy = new ModulePolicy(spec(), () => ({ decide: () => void calls++ }), 4096, 1, { calls: gate, timeMs: 0 });
    gate.enter = () => {
      throw new PolicyError('stopped');
    };
    expect(() => policy.decide(view)).toThrow('stopped');
    expect(calls).toBe(0);
  });
});

describe('loadPolicyModules', () => {
  const dir = temporaryDirectory('balloonsim-module-policy-');
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const scenarioWith = (path: string, events: Scenario['events'] = []) => scenario({ guests: [guest('a')], events, host: { memoryBytes: 2 ** 28, reservedBytes: 0, swapBytes: 0, backing: 'lazy', policy: spec(path) } });

  it('imports the modules a scenario names, createPolicy or a default export', async () => {
    const named = file('named.mjs', 'export function createPolicy() { return { decide() { return new Map(); } }; }');
    const fallback = file('fallback.mjs', 'export default function () { return { decide() { return null; } }; }');
    const both = scenarioWith(named, [
      { atMs: 1000, kind: 'setPolicy', policy: spec(fallback) },
      { atMs: 2000, kind: 'setPolicy', policy: spec(named) },
    ]);
    const modules = await loadPolicyModules(both);
    expect([...modules.keys()]).toEqual([named, fallback]);
    // Each once, in the same order: the run's watch numbers its calls by it.
    expect(policyModulePaths(both)).toEqual([named, fallback]);
  });

  it('says what to export when a module has no factory, and why one cannot be loaded', async () => {
    const empty = file('empty.mjs', 'export const x = 1;');
    await expect(loadPolicyModules(scenarioWith(empty))).rejects.toThrow(`the policy module ${empty} exports no createPolicy function (it exports x); write for example: export function createPolicy(context)`);
    const broken = file('broken.mjs', 'export function (');
    // Node says "not valid JavaScript"; under vitest the import goes through Vite, whose parse error is worded otherwise.
    await expect(loadPolicyModules(scenarioWith(broken))).rejects.toThrow(`cannot load the policy module ${broken}: `);
    await expect(loadPolicyModules(scenarioWith(join(dir, 'missing.mjs')))).rejects.toThrow(/cannot load the policy module .*missing\.mjs: it cannot be found/);
  });
});
