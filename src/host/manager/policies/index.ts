import type { PolicySpec } from '../../../model/scenario.js';
import { assertNever } from '../../../util/assert-never.js';
import type { PolicyCallGate } from '../../policy/policy-calls.js';
import type { Policy } from '../../policy/policy.js';
import { EsxPolicy } from './esx-policy.js';
import { HypervPolicy } from './hyperv-policy.js';
import { ModulePolicy, type PolicyModules } from './module-policy.js';
import { MomPolicy } from './mom-policy.js';
import { ProportionalPolicy } from './proportional-policy.js';
import { SenpaiPolicy } from './senpai-policy.js';
import { RotatePolicy } from './rotate-policy.js';
import { StaticPolicy } from './static-policy.js';
import { XenSelfballoonPolicy } from './xen-selfballoon-policy.js';

/** What creating a policy needs besides its spec. */
export interface PolicyFactoryContext {
  frameBytes: number;
  /** The run's root seed (policies derive their own). */
  seed: number;
  /** Imported policy modules, by absolute path (see loadPolicyModules). */
  modules: PolicyModules;
  /** Where a module policy says that it calls into the user's code (a run's watch on calls that never return); default: nowhere. */
  calls?: PolicyCallGate;
  /** Simulated time at which the policy is made (the watch reports it if createPolicy never returns); default 0. */
  timeMs?: number;
}

/** Every key of PolicyFactoryContext, once: a key added to the interface breaks the build until it is added here. */
const POLICY_FACTORY_CONTEXT_FIELDS: Readonly<Record<keyof PolicyFactoryContext, true>> = { frameBytes: true, seed: true, modules: true, calls: true, timeMs: true };

/** The keys a PolicyFactoryContext may have (the library's createPolicy refuses any other). */
export const POLICY_FACTORY_CONTEXT_KEYS = Object.keys(POLICY_FACTORY_CONTEXT_FIELDS) as ReadonlyArray<keyof PolicyFactoryContext>;

/** A fresh policy for a spec (a policy keeps state: one instance per run, and per switch). */
export function createPolicy(spec: PolicySpec, context: PolicyFactoryContext): Policy {
  switch (spec.kind) {
    case 'static':
      return new StaticPolicy(spec.periodMs);
    case 'proportional':
      return new ProportionalPolicy(spec);
    case 'esx':
      return new EsxPolicy(spec, context.seed);
    case 'mom':
      return new MomPolicy(spec);
    case 'senpai':
      return new SenpaiPolicy(spec);
    case 'xen-selfballoon':
      return new XenSelfballoonPolicy(spec);
    case 'hyperv':
      return new HypervPolicy(spec);
    case 'module': {
      const factory = context.modules.get(spec.path);
      if (factory === undefined) throw new Error(`createPolicy: the module ${spec.path} was not loaded; call loadPolicyModules(scenario) first`);
      return new ModulePolicy(spec, factory, context.frameBytes, context.seed, context.calls === undefined ? undefined : { calls: context.calls, timeMs: context.timeMs ?? 0 });
    }
    case 'rotate':
      return new RotatePolicy(spec.periodMs, spec.lowPercentOfMax, spec.groups);
    default:
      return assertNever(spec, 'createPolicy');
  }
}

export { loadPolicyModules, policyModulePaths, type ModulePolicyContext, type ModulePolicyFactory, type PolicyModules } from './module-policy.js';
export type { ModuleLoadWatch } from './module-load.js';

