/**
 * The library's `simulate` and `simulateFree`: the runtime's, behind the same
 * preflight as the CLI (a scenario the simulator cannot do is refused before
 * anything is allocated, with the field, the figure and the fix), and with
 * the summary's provenance filled in. Both take an AbortSignal.
 */
import { assertPreflight, type PreflightIssue } from '../preflight/preflight.js';
import { checkScenario } from '../scenario/resolved-scenario-check.js';
import { scenarioSnapshot } from '../scenario/snapshot.js';
import type { FreeRunOptions, FreeRunResult } from '../runtime/free/free-run-types.js';
import { simulateFree as runFree } from '../runtime/free/simulate-free.js';
import { checkPlacementOptions } from '../runtime/placement.js';
import { policyCallLimitMs } from '../runtime/policy-watch/policy-watch.js';
import { simulate as runLockstep, type RunResult, type SimulateOptions as RuntimeSimulateOptions } from '../runtime/simulate.js';
import type { Scenario } from '../model/scenario.js';
import { checkAbortSignal, checkOptionalCount, checkOptionalFunction, checkOptionsObject } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import { withProvenance } from './provenance.js';

/** What the preflight's warnings and notes are handed to (the library prints nothing itself). */
export type PreflightWarningHandler = (issue: PreflightIssue) => void;

/** The runtime's options, less what only a sweep's cases use. */
export interface SimulateOptions extends Omit<RuntimeSimulateOptions, 'policyCallMarks'> {
  /** Called with each warning and note of the preflight before the run starts (events that will never fire, overcommit, ...). */
  onWarning?: PreflightWarningHandler;
}

export interface SimulateFreeOptions extends FreeRunOptions {
  onWarning?: PreflightWarningHandler;
}

/** The options each function takes: a key outside these is a typo (`placment`, `sampleEvery`) that would be ignored. */
export const SIMULATE_OPTION_KEYS: ReadonlyArray<string> = [
  'seed', 'placement', 'workers', 'guestsPerWorker', 'auditEveryTicks', 'onProgress', 'onSample', 'sampleEveryTicks',
  'policy', 'beforeTick', 'host', 'signal', 'policyCallLimitMs', 'onWarning',
];
const SIMULATE_FREE_OPTION_KEYS: ReadonlyArray<string> = [
  'seed', 'workers', 'guestsPerWorker', 'window', 'leadRounds', 'wallLimitMs', 'audit', 'deliver', 'onProgress',
  'policy', 'stallMs', 'signal', 'policyCallLimitMs', 'onWarning',
];

/** A policy of the caller's own (definePolicy's, or an object with the Policy interface). */
function checkPolicy(policy: unknown, what: string): void {
  if (policy === undefined) return;
  const hint = 'make one with definePolicy({ name, period, decide(host) }), or give an object with name, periodMs and decide(view)';
  if (policy === null || typeof policy !== 'object') throw new TypeError(`${what}: policy must be a policy object, got ${describeValue(policy)} (${hint})`);
  const candidate = policy as Record<string, unknown>;
  if (typeof candidate['name'] !== 'string' || candidate['name'] === '') throw new TypeError(`${what}: policy.name must be a non-empty string, got ${describeValue(candidate['name'])} (${hint})`);
  const periodMs = candidate['periodMs'];
  if (typeof periodMs !== 'number' || !Number.isFinite(periodMs) || periodMs <= 0) {
    throw new TypeError(`${what}: policy ${candidate['name']}: periodMs must be a positive number of ms, got ${describeValue(periodMs)} (${hint})`);
  }
  if (typeof candidate['decide'] !== 'function') throw new TypeError(`${what}: policy ${candidate['name']}: decide must be a function, got ${describeValue(candidate['decide'])} (${hint})`);
  checkOptionalFunction(candidate['observe'], `policy ${candidate['name']}: observe`, what);
  checkOptionalFunction(candidate['reclaim'], `policy ${candidate['name']}: reclaim`, what);
}

/**
 * The options a caller sets by hand, checked before the preflight: a negative
 * worker count ran as if it were absent, and an unknown placement failed as a
 * RunFailure, as if the run had broken. A misspelt key was ignored, and a
 * callback or signal of the wrong type failed deep inside the run
 * (`options.onSample is not a function`).
 */
export function checkRunOptions(options: SimulateOptions | SimulateFreeOptions, what: string, keys: ReadonlyArray<string>): void {
  checkOptionsObject(options, keys, what);
  checkPlacementOptions(options, what);
  checkOptionalCount(options.seed, 'seed', what, 0);
  checkOptionalCount((options as SimulateOptions).auditEveryTicks, 'auditEveryTicks', what, 0);
  checkOptionalCount((options as SimulateOptions).sampleEveryTicks, 'sampleEveryTicks', what, 0);
  if (options.policyCallLimitMs !== undefined) policyCallLimitMs(options.policyCallLimitMs, what);
  const free = options as SimulateFreeOptions;
  // A wall limit of NaN or below zero ended the run after its first round, without a word.
  if (free.wallLimitMs !== undefined && !(typeof free.wallLimitMs === 'number' && Number.isFinite(free.wallLimitMs) && free.wallLimitMs > 0)) {
    throw new RangeError(`${what}: wallLimitMs must be a positive number of milliseconds, got ${describeValue(free.wallLimitMs)}`);
  }
  if (free.audit !== undefined && typeof free.audit !== 'boolean') throw new TypeError(`${what}: audit must be true or false, got ${describeValue(free.audit)}`);
  checkAbortSignal(options.signal, what);
  checkPolicy(options.policy, what);
  for (const name of ['onProgress', 'onSample', 'beforeTick', 'onWarning', 'deliver'] as const) checkOptionalFunction((options as Record<string, unknown>)[name], name, what);
}

function warn(issues: ReadonlyArray<PreflightIssue>, onWarning: PreflightWarningHandler | undefined): void {
  if (onWarning === undefined) return;
  for (const issue of issues) if (issue.severity !== 'error') onWarning(issue);
}

/**
 * Runs a scenario in lockstep (see the runtime's `simulate`): the result
 * depends only on the scenario and the seed.
 *
 * @throws ScenarioError when the preflight finds the run impossible (a table too large, guests that cannot boot, more memory than the machine has)
 * @throws AbortError when `signal` is aborted (the run stops at the next tick)
 * @throws PolicyError when a policy module is wrong, or one of its calls does not return within `policyCallLimitMs` of CPU time (the run is stopped)
 * @example
 * ```ts
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 5_000);
 * const { summary } = await simulate(defineScenario({ host: { memory: '8GiB' }, guests: [{ name: 'a', memory: '2GiB' }] }), { signal: controller.signal });
 * ```
 */
export async function simulate(given: Scenario, options: SimulateOptions = {}): Promise<RunResult> {
  checkScenario(given, 'simulate');
  checkRunOptions(options, 'simulate', SIMULATE_OPTION_KEYS);
  return simulateUnchecked(given, options);
}

/** `simulate` without its checks, for `simulateStream`, which makes the same checks under its own name first. */
export async function simulateUnchecked(given: Scenario, options: SimulateOptions): Promise<RunResult> {
  const scenario = scenarioSnapshot(given, 'simulate');
  const { onWarning, ...runOptions } = options;
  const report = assertPreflight(scenario, {
    runFlags: false,
    placement: options.placement ?? 'workers',
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.guestsPerWorker !== undefined ? { guestsPerWorker: options.guestsPerWorker } : {}),
  });
  warn(report.issues, onWarning);
  const result = await runLockstep(scenario, runOptions);
  return withProvenance(result, scenario, options.seed ?? scenario.seed);
}

/** Runs a scenario in free-running mode (see the runtime's `simulateFree`), after the preflight. */
export async function simulateFree(given: Scenario, options: SimulateFreeOptions = {}): Promise<FreeRunResult> {
  checkScenario(given, 'simulateFree');
  checkRunOptions(options, 'simulateFree', SIMULATE_FREE_OPTION_KEYS);
  const scenario = scenarioSnapshot(given, 'simulateFree');
  const { onWarning, ...runOptions } = options;
  const report = assertPreflight(scenario, {
    runFlags: false,
    placement: 'workers',
    mode: 'free',
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.guestsPerWorker !== undefined ? { guestsPerWorker: options.guestsPerWorker } : {}),
  });
  warn(report.issues, onWarning);
  const result = await runFree(scenario, runOptions);
  return withProvenance(result, scenario, options.seed ?? scenario.seed);
}
