/**
 * What `run` and `validate` share: the flags that shape a run (placement,
 * mode, workers, duration, --set), their checks, loading the scenario, and
 * the preflight. So a file that `validate` accepts with the same flags is
 * one that `run` can do.
 */
import { availableParallelism } from 'node:os';
import { defaultSampleEveryTicks } from '../output/time-series.js';
import { assertPreflight, formatWarnings, type PreflightReport } from '../preflight/preflight.js';
import type { SimulateOptions } from '../runtime/simulate.js';
import { defaultScenario } from '../scenario/default.js';
import { loadScenarioFile, type LoadOptions } from '../scenario/load.js';
import type { Scenario } from '../model/scenario.js';
import { coloursFor } from './colour.js';
import { choiceFlag, durationFlag, integerFlag, overrideFlags } from './options.js';
import { UsageError } from './usage-error.js';

/** The flags of `run` that change what a run is or needs (validate takes them too). */
export interface RunShapeFlags {
  placement: string;
  mode: string;
  workers?: string;
  guestsPerWorker?: string;
  duration?: string;
  set?: string[];
  /** run only: --out is not something validate writes. */
  out?: string;
  sampleEvery?: string;
}

export interface RunPlan {
  placement: 'inline' | 'workers';
  mode: 'lockstep' | 'free';
  workers?: number;
  guestsPerWorker?: number;
  /** --sample-every, when given. */
  sampleEvery?: number;
  loadOptions: LoadOptions;
}

/** Checks the flags against each other and parses them. */
export function planRun(flags: RunShapeFlags): RunPlan {
  const placement = choiceFlag('--placement', flags.placement, ['inline', 'workers'] as const);
  const mode = choiceFlag('--mode', flags.mode, ['lockstep', 'free'] as const);
  if (flags.workers !== undefined && placement !== 'workers') {
    throw new UsageError(`--workers applies to --placement workers only (got --placement ${placement}); drop one of them`);
  }
  if (flags.sampleEvery !== undefined && flags.out === undefined) {
    throw new UsageError('--sample-every sets how often --out records samples; add --out DIR or drop it');
  }
  if (flags.guestsPerWorker !== undefined && placement !== 'workers') {
    throw new UsageError(`--guests-per-worker applies to --placement workers only (got --placement ${placement}); drop one of them`);
  }
  if (flags.guestsPerWorker !== undefined && flags.workers !== undefined) {
    throw new UsageError('give --workers or --guests-per-worker, not both: --guests-per-worker N starts as many workers as it takes to host N guests each');
  }
  if (mode === 'free' && placement !== 'workers') {
    throw new UsageError('--mode free runs guests on worker threads; drop --placement inline (free-running needs real threads to race)');
  }
  if (mode === 'free' && flags.out !== undefined) {
    throw new UsageError('--out writes samples over simulated time, which a free-running run does not take; drop --out (use --json > summary.json for the summary) or run in lockstep mode');
  }
  const durationOverrideMs = flags.duration !== undefined ? durationFlag('--duration', flags.duration) : undefined;
  const workers = flags.workers !== undefined ? integerFlag('--workers', flags.workers, 1) : undefined;
  if (workers !== undefined && workers > 4 * availableParallelism() + 64) {
    throw new UsageError(`--workers ${workers} is far more threads than this machine has cores (${availableParallelism()})`);
  }
  const guestsPerWorker = flags.guestsPerWorker !== undefined ? integerFlag('--guests-per-worker', flags.guestsPerWorker, 1) : undefined;
  const sampleEvery = flags.sampleEvery !== undefined ? integerFlag('--sample-every', flags.sampleEvery, 1) : undefined;
  return {
    placement,
    mode,
    ...(workers !== undefined ? { workers } : {}),
    ...(guestsPerWorker !== undefined ? { guestsPerWorker } : {}),
    ...(sampleEvery !== undefined ? { sampleEvery } : {}),
    loadOptions: { ...(durationOverrideMs !== undefined ? { durationOverrideMs } : {}), overrides: overrideFlags(flags.set) },
  };
}

/** The scenario file (or the built-in default), with --duration and --set applied. */
export function loadPlanned(file: string | undefined, plan: RunPlan): Scenario {
  return file === undefined ? defaultScenario(plan.loadOptions) : loadScenarioFile(file, plan.loadOptions);
}

/** The sample interval of `run --out` (0: no samples). */
export function sampleEveryOf(scenario: Scenario, plan: RunPlan, out: boolean): number {
  if (!out) return 0;
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  return plan.sampleEvery ?? defaultSampleEveryTicks(ticks, Math.max(1, scenario.guests.length));
}

/**
 * The checks only the way of running can fail (faults that need free mode, a
 * thread count the machine cannot take), then the preflight. Throws on an
 * error; prints the warnings unless `quiet`.
 */
export function preflightPlanned(scenario: Scenario, plan: RunPlan, options: { sampleEvery: number; quiet: boolean }): PreflightReport {
  if (plan.mode === 'lockstep') checkLockstepFaults(scenario);
  if (plan.guestsPerWorker !== undefined && Math.ceil(scenario.guests.length / plan.guestsPerWorker) > 4 * availableParallelism() + 64) {
    throw new UsageError(
      `--guests-per-worker ${plan.guestsPerWorker} would start ${Math.ceil(scenario.guests.length / plan.guestsPerWorker)} threads for ${scenario.guests.length} guests on ${availableParallelism()} cores; raise it`,
    );
  }
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  const report = assertPreflight(scenario, {
    placement: plan.placement,
    mode: plan.mode,
    ...(plan.workers !== undefined ? { workers: plan.workers } : {}),
    ...(plan.guestsPerWorker !== undefined ? { guestsPerWorker: plan.guestsPerWorker } : {}),
    samples: options.sampleEvery === 0 ? 0 : Math.ceil(ticks / options.sampleEvery) + 1,
    durationOverridden: plan.loadOptions.durationOverrideMs !== undefined,
  });
  if (!options.quiet) {
    const prefix = coloursFor(process.stderr).yellow('balloonsim:');
    for (const line of formatWarnings(scenario, report)) process.stderr.write(`${prefix} ${line}\n`);
  }
  return report;
}

/** Faults that only free-running mode can inject are refused in lockstep, where results must not depend on threads. */
function checkLockstepFaults(scenario: Scenario): void {
  const faults = scenario.faults;
  if (faults === undefined) return;
  if (faults.crashes.some((crash) => crash.how === 'kill-worker') || faults.randomKills > 0) {
    throw new UsageError(`${scenario.source}: faults that kill a worker need --mode free (in lockstep mode results must not depend on which guests share a worker); use how: throw, or run with --mode free`);
  }
  if (faults.delayFraction > 0) {
    throw new UsageError(`${scenario.source}: faults.messages delays batches between threads, which only happens with --mode free; remove it or run with --mode free`);
  }
}

/** The simulate options of a plan (seed and audit flags come from run alone). */
export function simulateOptionsOf(plan: RunPlan): SimulateOptions {
  return {
    placement: plan.placement,
    ...(plan.workers !== undefined ? { workers: plan.workers } : {}),
    ...(plan.guestsPerWorker !== undefined ? { guestsPerWorker: plan.guestsPerWorker } : {}),
  };
}
