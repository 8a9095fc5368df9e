/**
 * The policy toolkit as the library exports it: createPolicy,
 * loadPolicyModules, shareOut, revoke and the balloon floors. Each checks its
 * arguments, then calls the simulator's own function, which the run calls
 * unchecked on its per-tick path. Unchecked, NaN pages came back as NaN or as
 * "take everything", a string total was added to, a null item failed reading
 * weight of null, and an unknown policy kind failed as "unhandled case".
 */
import type { ModuleLoadWatch } from '../host/manager/policies/module-load.js';
import {
  createPolicy as createPolicyOf,
  loadPolicyModules as loadModulesOf,
  POLICY_FACTORY_CONTEXT_KEYS,
  type PolicyFactoryContext,
  type PolicyModules,
} from '../host/manager/policies/index.js';
import type { Policy } from '../host/policy/policy.js';
import { revoke as revokePages, shareOut as shareOutPages, type RevokeItem, type ShareItem } from '../host/policy/reclaim.js';
import { hypervFloorBytes as hypervFloorBytesOf, hypervFloorPages as hypervFloorPagesOf, xenSelfballoonFloorBytes as xenFloorBytesOf } from '../messages/floors.js';
import type { PolicySpec, Scenario } from '../model/scenario.js';
import { checkScenario } from '../scenario/resolved-scenario-check.js';
import { POLICY_KINDS } from '../scenario/schema.js';
import { checkOptionsObject, isAmount, isCount, isPositive, refuseUnknownOptions } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';

/** A finite number of at least 0 (pages or bytes). */
function checkAmount(value: unknown, name: string, what: string, unit: string): void {
  if (!isAmount(value)) throw new RangeError(`${what}: ${name} must be a number of ${unit} of at least 0, got ${describeValue(value)}`);
}

/** A list of objects whose `fields` are numbers of at least 0. */
function checkItems(items: unknown, fields: ReadonlyArray<string>, what: string): asserts items is ReadonlyArray<Record<string, number>> {
  const shape = `{ ${fields.join(', ')} }`;
  if (!Array.isArray(items)) throw new TypeError(`${what}: items must be a list of ${shape}, got ${describeValue(items)}`);
  items.forEach((item: unknown, index) => {
    if (item === null || typeof item !== 'object') throw new TypeError(`${what}: items[${index}] must be ${shape}, got ${describeValue(item)}`);
    for (const field of fields) checkAmount((item as Record<string, unknown>)[field], `items[${index}].${field}`, what, field === 'weight' ? 'shares' : 'pages');
  });
}

/**
 * Whole pages for each item, in proportion to its weight and within its
 * minimum and maximum, adding up to `total` as nearly as whole pages allow.
 *
 * @throws TypeError or RangeError when `total` or an item is not a number of at least 0 (or an item's minPages is above its maxPages)
 */
export function shareOut(total: number, items: ReadonlyArray<ShareItem>): number[] {
  checkAmount(total, 'total', 'shareOut', 'pages');
  checkItems(items, ['weight', 'minPages', 'maxPages'], 'shareOut');
  return shareOutPages(total, items);
}

/**
 * Takes `pages` back from the items with the most pages per weight first,
 * never below their floors. Returns the new allocations.
 *
 * @throws TypeError or RangeError when `pages` or an item is not a number of at least 0
 */
export function revoke(pages: number, items: ReadonlyArray<RevokeItem>): number[] {
  checkAmount(pages, 'pages', 'revoke', 'pages');
  checkItems(items, ['weight', 'allocationPages', 'floorPages'], 'revoke');
  return revokePages(pages, items);
}

/**
 * Hyper-V's balloon floor for a guest of `totalBytes` (hv_balloon.c).
 *
 * @throws RangeError when `totalBytes` is not a number of at least 0
 */
export function hypervFloorBytes(totalBytes: number): number {
  checkAmount(totalBytes, 'totalBytes', 'hypervFloorBytes', 'bytes');
  return hypervFloorBytesOf(totalBytes);
}

/**
 * Hyper-V's floor in whole pages of `frameBytes`, rounded up.
 *
 * @throws RangeError when `totalPages` is not a number of at least 0 or `frameBytes` not a positive whole number (0 gave NaN)
 */
export function hypervFloorPages(totalPages: number, frameBytes: number): number {
  checkAmount(totalPages, 'totalPages', 'hypervFloorPages', 'pages');
  if (!isCount(frameBytes, 1)) {
    throw new RangeError(`hypervFloorPages: frameBytes must be a positive whole number of bytes (the page size, such as 4096), got ${describeValue(frameBytes)}`);
  }
  return hypervFloorPagesOf(totalPages, frameBytes);
}

/**
 * Xen self-ballooning's floor (xen-selfballoon.c) for a guest with
 * `usefulBytes` of memory and `reserveBytes` of kernel reserve.
 *
 * @throws RangeError when an argument is not a number of bytes of at least 0 (a string was added to, NaN came back)
 */
export function xenSelfballoonFloorBytes(usefulBytes: number, reserveBytes: number, minUsableBytes = 0): number {
  checkAmount(usefulBytes, 'usefulBytes', 'xenSelfballoonFloorBytes', 'bytes');
  checkAmount(reserveBytes, 'reserveBytes', 'xenSelfballoonFloorBytes', 'bytes');
  checkAmount(minUsableBytes, 'minUsableBytes', 'xenSelfballoonFloorBytes', 'bytes');
  return xenFloorBytesOf(usefulBytes, reserveBytes, minUsableBytes);
}

/**
 * A fresh policy for a spec (a resolved scenario's `host.policy`, or one of
 * its `setPolicy` events): one instance per run, and per switch.
 *
 * @throws TypeError or RangeError when the spec has no known kind or period, or the context is not one
 */
export function createPolicy(spec: PolicySpec, context: PolicyFactoryContext): Policy {
  const what = 'createPolicy';
  if (spec === null || typeof spec !== 'object') throw new TypeError(`${what}: spec must be a resolved policy spec (scenario.host.policy), got ${describeValue(spec)}`);
  if (!(POLICY_KINDS as ReadonlyArray<unknown>).includes(spec.kind)) throw new RangeError(`${what}: spec.kind must be one of ${POLICY_KINDS.join(', ')}, got ${describeValue(spec.kind)}`);
  if (!isPositive(spec.periodMs)) {
    throw new RangeError(`${what}: spec.periodMs must be a positive number of ms (a resolved spec has it: scenario.host.policy), got ${describeValue(spec.periodMs)}`);
  }
  const hint = '{ frameBytes: scenario.frameBytes, seed: scenario.seed, modules: await loadPolicyModules(scenario) }';
  if (context === null || typeof context !== 'object') throw new TypeError(`${what}: context must be ${hint}, got ${describeValue(context)}`);
  refuseUnknownOptions(context, POLICY_FACTORY_CONTEXT_KEYS, `${what}: context`);
  for (const [key, min] of [['frameBytes', 1], ['seed', 0]] as const) {
    const value = context[key];
    if (!isCount(value, min)) throw new RangeError(`${what}: context.${key} must be a whole number of at least ${min} (${hint}), got ${describeValue(value)}`);
  }
  if (!(context.modules instanceof Map)) throw new TypeError(`${what}: context.modules must be the Map loadPolicyModules(scenario) resolves to (${hint}), got ${describeValue(context.modules)}`);
  return createPolicyOf(spec, context);
}

/**
 * Imports every policy module the scenario names and checks that each
 * exports a factory.
 *
 * @throws TypeError when `scenario` is not a resolved scenario
 * @throws PolicyError naming a module that cannot be loaded or exports no factory
 */
export async function loadPolicyModules(scenario: Scenario, watch: ModuleLoadWatch = {}): Promise<PolicyModules> {
  checkScenario(scenario, 'loadPolicyModules');
  checkOptionsObject(watch, ['gate', 'waitMs'], 'loadPolicyModules');
  const waitMs = watch.waitMs;
  if (waitMs !== undefined && !isAmount(waitMs)) {
    throw new RangeError(`loadPolicyModules: waitMs must be a number of ms of at least 0 (0: no limit), got ${describeValue(waitMs)}`);
  }
  return loadModulesOf(scenario, watch);
}
