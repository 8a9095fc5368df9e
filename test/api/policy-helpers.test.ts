/** Unit tests of src/api/policy-helpers.ts: the policy toolkit as the library exports it refuses what it cannot use. */
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../src/api/define-scenario.js';
import { createPolicy, hypervFloorBytes, hypervFloorPages, loadPolicyModules, revoke, shareOut, xenSelfballoonFloorBytes } from '../../src/api/policy-helpers.js';
import { revoke as revokeUnchecked, shareOut as shareOutUnchecked } from '../../src/host/policy/reclaim.js';
import { hypervFloorPages as hypervFloorPagesUnchecked } from '../../src/messages/floors.js';

const shares = [
  { weight: 1, minPages: 0, maxPages: 10 },
  { weight: 2, minPages: 0, maxPages: 10 },
];
const held = [
  { weight: 1, allocationPages: 10, floorPages: 0 },
  { weight: 2, allocationPages: 10, floorPages: 2 },
];

describe('shareOut and revoke', () => {
  it('give the same pages as the simulator\'s own functions', () => {
    expect(shareOut(9, shares)).toEqual(shareOutUnchecked(9, shares));
    expect(revoke(5, held)).toEqual(revokeUnchecked(5, held));
  });

  it('refuse a total that is not a number of pages: NaN gave nothing, a string was compared as text', () => {
    expect(() => shareOut(Number.NaN, shares)).toThrow(new RangeError('shareOut: total must be a number of pages of at least 0, got NaN'));
    expect(() => shareOut('10' as never, shares)).toThrow(new RangeError('shareOut: total must be a number of pages of at least 0, got "10"'));
    // revoke(NaN) took every page above the floors.
    expect(() => revoke(Number.NaN, held)).toThrow(new RangeError('revoke: pages must be a number of pages of at least 0, got NaN'));
  });

  it('refuse items that are not a list of numbers of pages: null failed reading weight of null, maxPages Infinity gave 0', () => {
    expect(() => shareOut(10, null as never)).toThrow(new TypeError('shareOut: items must be a list of { weight, minPages, maxPages }, got null (an empty value)'));
    expect(() => shareOut(10, [null] as never)).toThrow(new TypeError('shareOut: items[0] must be { weight, minPages, maxPages }, got null (an empty value)'));
    expect(() => shareOut(10, [{ weight: 1, minPages: 0, maxPages: Number.POSITIVE_INFINITY }])).toThrow(new RangeError('shareOut: items[0].maxPages must be a number of pages of at least 0, got Infinity'));
    expect(() => revoke(5, [{ weight: -1, allocationPages: 10, floorPages: 0 }])).toThrow(new RangeError('revoke: items[0].weight must be a number of shares of at least 0, got -1'));
    expect(() => revoke(5, [{ weight: 1, allocationPages: Number.NaN, floorPages: 0 }])).toThrow(/^revoke: items\[0\].allocationPages must be a number of pages of at least 0, got NaN$/);
  });
});

describe('the balloon floors', () => {
  it('give the simulator\'s figures', () => {
    expect(hypervFloorPages(65_536, 4096)).toBe(hypervFloorPagesUnchecked(65_536, 4096));
    expect(hypervFloorBytes(0)).toBe(8 * 2 ** 20);
  });

  it('refuse what is not a number of bytes or pages: a frame size of 0 gave NaN, a string was added to', () => {
    expect(() => hypervFloorPages(100, 0)).toThrow(new RangeError('hypervFloorPages: frameBytes must be a positive whole number of bytes (the page size, such as 4096), got 0'));
    expect(() => hypervFloorPages(-1, 4096)).toThrow(new RangeError('hypervFloorPages: totalPages must be a number of pages of at least 0, got -1'));
    expect(() => xenSelfballoonFloorBytes(Number.NaN, 0)).toThrow(new RangeError('xenSelfballoonFloorBytes: usefulBytes must be a number of bytes of at least 0, got NaN'));
    expect(() => xenSelfballoonFloorBytes(2 ** 30, '5' as never)).toThrow(new RangeError('xenSelfballoonFloorBytes: reserveBytes must be a number of bytes of at least 0, got "5"'));
  });
});

describe('createPolicy', () => {
  const context = { frameBytes: 4096, seed: 1, modules: new Map() };

  it('makes the policy of a resolved spec', () => {
    expect(createPolicy({ kind: 'static', periodMs: 1000 }, context).periodMs).toBe(1000);
  });

  it('refuses a spec without a known kind or a period, which failed as "unhandled case" or made a policy of period NaN', () => {
    expect(() => createPolicy(null as never, context)).toThrow(new TypeError('createPolicy: spec must be a resolved policy spec (scenario.host.policy), got null (an empty value)'));
    expect(() => createPolicy({ kind: 'bogus' } as never, context)).toThrow(
      new RangeError('createPolicy: spec.kind must be one of static, proportional, esx, mom, senpai, xen-selfballoon, hyperv, module, rotate, got "bogus"'),
    );
    expect(() => createPolicy({ kind: 'static', periodMs: Number.NaN }, context)).toThrow(/^createPolicy: spec.periodMs must be a positive number of ms .*got NaN$/);
  });

  it('refuses a context that is not one, which failed reading get of undefined', () => {
    const hint = '{ frameBytes: scenario.frameBytes, seed: scenario.seed, modules: await loadPolicyModules(scenario) }';
    expect(() => createPolicy({ kind: 'module', path: '/p.mjs', periodMs: 1000 } as never, { frameBytes: 4096, seed: 1 } as never)).toThrow(
      new TypeError(`createPolicy: context.modules must be the Map loadPolicyModules(scenario) resolves to (${hint}), got nothing`),
    );
    expect(() => createPolicy({ kind: 'static', periodMs: 1000 }, { ...context, seed: -1 })).toThrow(new RangeError(`createPolicy: context.seed must be a whole number of at least 0 (${hint}), got -1`));
    expect(() => createPolicy({ kind: 'static', periodMs: 1000 }, 5 as never)).toThrow(new TypeError(`createPolicy: context must be ${hint}, got 5`));
    expect(() => createPolicy({ kind: 'static', periodMs: 1000 }, { ...context, sed: 1 } as never)).toThrow(/^createPolicy: context: unknown option "sed" \(did you mean "seed"\?/);
    // The list comes from PolicyFactoryContext's keys (POLICY_FACTORY_CONTEXT_KEYS), optional ones included.
    expect(() => createPolicy({ kind: 'static', periodMs: 1000 }, { ...context, sed: 1 } as never)).toThrow(/ the options are frameBytes, seed, modules, calls, timeMs\)$/);
    expect(() => createPolicy({ kind: 'static', periodMs: 1000 }, { ...context, calls: undefined, timeMs: 0 })).not.toThrow();
  });
});

describe('loadPolicyModules', () => {
  it('refuses what is not a resolved scenario, instead of reading host of null', async () => {
    await expect(loadPolicyModules(null as never)).rejects.toThrow(/^loadPolicyModules: scenario must be a resolved Scenario, got null \(an empty value\): make one with defineScenario/);
  });

  it('refuses a watch it cannot use', async () => {
    const scenario = defineScenario({ host: { memory: '64MiB' }, guests: [{ name: 'a', memory: '16MiB' }] });
    expect((await loadPolicyModules(scenario)).size).toBe(0);
    await expect(loadPolicyModules(scenario, { waitMs: -1 })).rejects.toThrow(new RangeError('loadPolicyModules: waitMs must be a number of ms of at least 0 (0: no limit), got -1'));
  });
});
