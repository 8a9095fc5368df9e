/**
 * The library's `simulate` and `simulateFree`: the runtime's, behind the same
 * preflight as the CLI (a scenario the simulator cannot do is refused before
 * anything is allocated, with the field, the figure and the fix), and with
 * the summary's provenance filled in. Both take an AbortSignal.
 */
import { assertPreflight, checkScenario, type PreflightIssue } from '../preflight/preflight.js';
import type { FreeRunOptions, FreeRunResult } from '../runtime/free/free-run-types.js';
import { simulateFree as runFree } from '../runtime/free/simulate-free.js';
import { policyCallLimitMs } from '../runtime/policy-watch/policy-watch.js';
import { simulate as runLockstep, type RunResult, type SimulateOptions as RuntimeSimulateOptions } from '../runtime/simulate.js';
import type { Scenario } from '../model/scenario.js';
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

/** A whole number of at least `min`, or absent. */
function checkCount(value: unknown, name: string, what: string, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${what}: ${name} must be a whole number of at least ${min}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  }
}

/**
 * The options a caller sets by hand, checked before the preflight: a negative
 * worker count ran as if it were absent, and an unknown placement failed as a
 * RunFailure, as if the run had broken.
 */
function checkRunOptions(options: SimulateOptions | SimulateFreeOptions, what: string): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  const placement = (options as SimulateOptions).placement;
  if (placement !== undefined && placement !== 'inline' && placement !== 'workers') {
    throw new RangeError(`${what}: placement must be 'inline' or 'workers', got ${JSON.stringify(placement)}`);
  }
  checkCount(options.seed, 'seed', what, 0);
  checkCount(options.workers, 'workers', what, 1);
  checkCount(options.guestsPerWorker, 'guestsPerWorker', what, 1);
  if (options.workers !== undefined && options.guestsPerWorker !== undefined) throw new RangeError(`${what}: give workers or guestsPerWorker, not both`);
  checkCount((options as SimulateOptions).auditEveryTicks, 'auditEveryTicks', what, 0);
  checkCount((options as SimulateOptions).sampleEveryTicks, 'sampleEveryTicks', what, 0);
  if (options.policyCallLimitMs !== undefined) policyCallLimitMs(options.policyCallLimitMs, what);
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
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<RunResult> {
  checkScenario(scenario, 'simulate');
  checkRunOptions(options, 'simulate');
  const { onWarning, ...runOptions } = options;
  const report = assertPreflight(scenario, {
    placement: options.placement ?? 'workers',
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.guestsPerWorker !== undefined ? { guestsPerWorker: options.guestsPerWorker } : {}),
  });
  warn(report.issues, onWarning);
  const result = await runLockstep(scenario, runOptions);
  return withProvenance(result, scenario, options.seed ?? scenario.seed);
}

/** Runs a scenario in free-running mode (see the runtime's `simulateFree`), after the preflight. */
export async function simulateFree(scenario: Scenario, options: SimulateFreeOptions = {}): Promise<FreeRunResult> {
  checkScenario(scenario, 'simulateFree');
  checkRunOptions(options, 'simulateFree');
  const { onWarning, ...runOptions } = options;
  const report = assertPreflight(scenario, {
    placement: 'workers',
    mode: 'free',
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.guestsPerWorker !== undefined ? { guestsPerWorker: options.guestsPerWorker } : {}),
  });
  warn(report.issues, onWarning);
  const result = await runFree(scenario, runOptions);
  return withProvenance(result, scenario, options.seed ?? scenario.seed);
}
