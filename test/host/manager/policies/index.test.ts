/** createPolicy: one fresh policy of the spec's kind; a module policy only once its module is loaded. */
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../../../src/host/manager/policies/index.js';
import type { PolicySpec } from '../../../../src/model/scenario.js';

const context = { frameBytes: 4096, seed: 1, modules: new Map() };

describe('createPolicy', () => {
  const specs: PolicySpec[] = [
    { kind: 'static', periodMs: 1000 },
    { kind: 'proportional', periodMs: 2000 },
    { kind: 'rotate', periodMs: 3000, lowPercentOfMax: 50, groups: 2 },
  ];

  it('makes a policy of the spec\'s kind and period', () => {
    for (const spec of specs) {
      const policy = createPolicy(spec, context);
      expect(policy.name).toBe(spec.kind);
      expect(policy.periodMs).toBe(spec.periodMs);
    }
  });

  it('makes a fresh instance each time (policies keep state)', () => {
    expect(createPolicy(specs[1]!, context)).not.toBe(createPolicy(specs[1]!, context));
  });

  it('refuses a module policy whose module was not loaded, saying what to call', () => {
    const spec = { kind: 'module', path: '/nowhere/p.mjs', periodMs: 1000, options: {} } as PolicySpec;
    expect(() => createPolicy(spec, context)).toThrow(/^createPolicy: the module \/nowhere\/p\.mjs was not loaded; call loadPolicyModules\(scenario\) first/);
  });
});
