/**
 * Policies written by users as JavaScript modules (`policy: {kind: module,
 * path: ./my-policy.mjs, options: {...}}`). The module exports a factory:
 *
 * ```js
 * // my-policy.mjs
 * export function createPolicy(context) {
 *   // context: { options, periodMs, frameBytes, seed, random }
 *   return {
 *     name: 'keep-half',            // optional (default: the file name)
 *     decide(view) {               // view: PolicyHostView (see src/host/policy/policy.ts)
 *       const targets = new Map();
 *       for (const guest of view.guests) if (guest.alive) targets.set(guest.index, Math.floor(guest.maxPages / 2));
 *       return targets;            // a Map by index or name, or an object by name; values in pages
 *     },
 *   };
 * }
 * ```
 *
 * `export default` of the same function works too. Modules are imported
 * before the run starts (`loadPolicyModules`); the policy runs on the host's
 * thread whatever the guests' placement. Every call into the module's code
 * (its loading, createPolicy, decide, observe, reclaim) goes through a
 * `PolicyCallGate` when the run gives one, so that a call that never returns
 * can be stopped.
 */
import { basename, extname } from 'node:path';
import type { ModulePolicySpec, PolicySpec, Scenario } from '../../../model/scenario.js';
import { deriveSeed, Random } from '../../../util/random.js';
import type { PolicyCallGate, PolicyMethod } from '../../policy/policy-calls.js';
import { describeReturned, PolicyError, refusePromise } from '../../policy/policy-error.js';
import type { Policy, PolicyHostView } from '../../policy/policy.js';
import { ExitCalled, withExitRefused } from './exit-refused.js';
import { importPolicyModule, type ModuleLoadWatch } from './module-load.js';

/** What a module's factory is called with. */
export interface ModulePolicyContext {
  /** The scenario's `options` mapping, as written. */
  options: Readonly<Record<string, unknown>>;
  periodMs: number;
  frameBytes: number;
  /** A seed for this policy, derived from the run's root seed. */
  seed: number;
  /** A seeded generator: use it, not Math.random, so that runs repeat. */
  random: Random;
}

/** What a module's factory must return. */
export interface ModulePolicyObject {
  name?: string;
  decide(view: PolicyHostView): unknown;
  observe?(view: PolicyHostView): void;
  observeEveryMs?: number;
  reclaim?(view: PolicyHostView, frames: number): unknown;
  /** Active-memory sampling: pages per guest and period in ms (as ESX: {pages: 100, periodMs: 30000}); without it the host does not sample. */
  activeSampling?: { pages: number; periodMs: number };
}

export type ModulePolicyFactory = (context: ModulePolicyContext) => unknown;

/** Loaded modules' factories, by absolute path. */
export type PolicyModules = ReadonlyMap<string, ModulePolicyFactory>;

const SHAPE_HINT = 'export function createPolicy(context) { return { decide(view) { return new Map(); } }; }';

/** The end of the message for policy code that called process.exit. */
function exitCalled(error: ExitCalled): string {
  return `called ${error.message}, which would end the whole run without a word; policy code must return (or throw an Error to stop the run with a message)`;
}

/** Every module policy a scenario names (host.policy and setPolicy events). */
function moduleSpecs(scenario: Scenario): ModulePolicySpec[] {
  const specs: PolicySpec[] = [scenario.host.policy];
  for (const event of scenario.events) if (event.kind === 'setPolicy') specs.push(event.policy);
  return specs.filter((spec): spec is ModulePolicySpec => spec.kind === 'module');
}

/** The policy modules a scenario names, each once, in the order `loadPolicyModules` imports them. */
export function policyModulePaths(scenario: Scenario): string[] {
  return [...new Set(moduleSpecs(scenario).map((spec) => spec.path))];
}

function describeImportError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND') return `it cannot be found or imports something that cannot: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  if (error instanceof SyntaxError) return `it is not valid JavaScript: ${error.message}`;
  return `importing it threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

/**
 * Imports every policy module the scenario names and checks that each
 * exports a factory. Throws a PolicyError that names the module and says
 * what to export, or that it did not finish loading (module-load.ts; `watch`
 * says how the run watches the loading).
 */
export async function loadPolicyModules(scenario: Scenario, watch: ModuleLoadWatch = {}): Promise<PolicyModules> {
  const modules = new Map<string, ModulePolicyFactory>();
  for (const path of policyModulePaths(scenario)) {
    let namespace: Record<string, unknown>;
    try {
      namespace = await importPolicyModule(path, watch);
    } catch (error) {
      if (error instanceof PolicyError) throw error;
      throw new PolicyError(`cannot load the policy module ${path}: ${describeImportError(error)}`);
    }
    const factory = namespace['createPolicy'] ?? namespace['default'];
    if (typeof factory !== 'function') {
      const exported = Object.keys(namespace);
      throw new PolicyError(
        `the policy module ${path} exports no createPolicy function (it exports ${exported.length === 0 ? 'nothing' : exported.join(', ')}); ` +
          `write for example: ${SHAPE_HINT}`,
      );
    }
    modules.set(path, factory as ModulePolicyFactory);
  }
  return modules;
}

/** How a run watches a module policy's calls (see PolicyCallGate). */
export interface ModulePolicyWatch {
  calls: PolicyCallGate;
  /** Simulated time at which the policy is made (createPolicy's call). */
  timeMs: number;
}

/** The calls a ModulePolicy makes into the module: its factory and its object's methods (its loading is module-load.ts's). */
type ObjectMethod = Exclude<PolicyMethod, 'load'>;

/** The gate, and its code of each method of this module (asked once). */
interface WatchedCalls {
  gate: PolicyCallGate;
  codes: Readonly<Record<ObjectMethod, number>>;
}

/**
 * A user's policy object behind the `Policy` interface: it checks what the
 * object returns (targets by guest index or name, whole or fractional pages,
 * at least 0) and turns every problem into a PolicyError naming the module.
 */
export class ModulePolicy implements Policy {
  readonly name: string;
  readonly periodMs: number;
  readonly parameters: Readonly<Record<string, string>>;
  private readonly object: ModulePolicyObject;
  private readonly path: string;
  private readonly watched: WatchedCalls | null;

  constructor(spec: ModulePolicySpec, factory: ModulePolicyFactory, frameBytes: number, rootSeed: number, watch?: ModulePolicyWatch) {
    this.periodMs = spec.periodMs;
    this.path = spec.path;
    this.watched = watch === undefined ? null : watchedCalls(watch.calls, spec.path);
    // The file name, not the absolute path: the same scenario gives the same summary and seed wherever it is run from.
    const file = basename(spec.path);
    this.parameters = { module: file, options: JSON.stringify(spec.options) };
    const seed = deriveSeed(rootSeed, 'policy', 'module', file);
    let made: unknown;
    this.enter('createPolicy', watch?.timeMs ?? 0);
    try {
      made = withExitRefused(() => factory({ options: spec.options, periodMs: spec.periodMs, frameBytes, seed, random: new Random(seed) }));
    } catch (error) {
      if (error instanceof ExitCalled) throw new PolicyError(`the policy module ${spec.path}: createPolicy ${exitCalled(error)}`);
      throw new PolicyError(`the policy module ${spec.path}: createPolicy threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    } finally {
      this.watched?.gate.leave();
    }
    if (typeof made !== 'object' || made === null || typeof (made as { decide?: unknown }).decide !== 'function') {
      throw new PolicyError(`the policy module ${spec.path}: createPolicy must return an object with a decide(view) method; write for example: ${SHAPE_HINT}`);
    }
    this.object = made as ModulePolicyObject;
    const name = this.object.name;
    this.name = typeof name === 'string' && name !== '' ? name : basename(spec.path, extname(spec.path));
  }

  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    return this.targetsFrom('decide', view, () => this.object.decide(view));
  }

  get observe(): Policy['observe'] {
    const observe = this.object.observe;
    if (typeof observe !== 'function') return undefined;
    return (view) => this.call('observe', view, () => observe.call(this.object, view));
  }

  get observeEveryMs(): number | undefined {
    const every = this.object.observeEveryMs;
    return typeof every === 'number' && Number.isFinite(every) && every >= 0 ? every : undefined;
  }

  get reclaim(): Policy['reclaim'] {
    const reclaim = this.object.reclaim;
    if (typeof reclaim !== 'function') return undefined;
    return (view, frames) => this.targetsFrom('reclaim', view, () => reclaim.call(this.object, view, frames));
  }

  get activeSampling(): Policy['activeSampling'] {
    const sampling = this.object.activeSampling;
    if (typeof sampling !== 'object' || sampling === null) return undefined;
    const { pages, periodMs } = sampling;
    if (!(Number.isSafeInteger(pages) && pages >= 1 && pages <= 100_000 && typeof periodMs === 'number' && periodMs >= 1 && periodMs < 2 ** 31)) {
      throw new PolicyError(`policy ${this.name} (${this.path}): activeSampling must be {pages: 1 to 100000, periodMs: at least 1}, got ${JSON.stringify(sampling)}`);
    }
    return { pages, periodMs };
  }

  /** Calls into the user's code, through the gate when the run watches calls. */
  private call<T>(method: ObjectMethod, view: PolicyHostView, run: () => T): T {
    this.enter(method, view.timeMs);
    try {
      const result = withExitRefused(run);
      refusePromise(result, `policy ${this.name} (${this.path})`, method);
      return result;
    } catch (error) {
      if (error instanceof PolicyError) throw error;
      if (error instanceof ExitCalled) throw new PolicyError(`policy ${this.name} (${this.path}): ${method} ${exitCalled(error)}`);
      // definePolicy's refusals, from the copy of balloonsim the module imported (not this bundle's class): the same error.
      if (error instanceof Error && (error as { code?: unknown }).code === 'POLICY_INVALID') throw new PolicyError(error.message);
      throw new PolicyError(`policy ${this.name} (${this.path}): ${method} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    } finally {
      this.watched?.gate.leave();
    }
  }

  private enter(method: ObjectMethod, timeMs: number): void {
    const watched = this.watched;
    if (watched !== null) watched.gate.enter(watched.codes[method], timeMs);
  }

  private targetsFrom(method: ObjectMethod, view: PolicyHostView, run: () => unknown): ReadonlyMap<number, number> {
    const result = this.call(method, view, run);
    const problem = (what: string): PolicyError =>
      new PolicyError(`policy ${this.name} (${this.path}): ${method} returned ${what}; return a Map (or an object) from guest index or name to a target in pages`);
    if (result === undefined || result === null) return new Map();
    let entries: Array<[unknown, unknown]>;
    if (result instanceof Map) entries = [...(result as Map<unknown, unknown>).entries()];
    else if (typeof result === 'object' && !Array.isArray(result)) entries = Object.entries(result);
    else throw problem(Array.isArray(result) ? 'a list' : `${typeof result} ${String(result)}`);
    const targets = new Map<number, number>();
    for (const [key, value] of entries) {
      const guest =
        typeof key === 'number' ? view.guests[key] : typeof key === 'string' ? (view.guests.find((g) => g.name === key) ?? (/^\d+$/.test(key) ? view.guests[Number(key)] : undefined)) : undefined;
      if (guest === undefined) throw problem(`a target for ${JSON.stringify(key)}, which is no guest`);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw problem(`${describeReturned(value)} as the target of ${guest.name}`);
      }
      targets.set(guest.index, Math.floor(value));
    }
    return targets;
  }
}

function watchedCalls(gate: PolicyCallGate, path: string): WatchedCalls {
  const codes = { createPolicy: 0, decide: 0, observe: 0, reclaim: 0 };
  for (const method of Object.keys(codes) as ObjectMethod[]) codes[method] = gate.codeOf(path, method);
  return { gate, codes };
}
