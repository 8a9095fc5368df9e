import { availableParallelism } from 'node:os';
import { simulateFree, type FreeRunOptions } from '../runtime/free/simulate-free.js';
import { simulate, type RunResult, type SimulateOptions } from '../runtime/simulate.js';
import { defaultScenario } from '../scenario/default.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { choiceFlag, durationFlag, integerFlag } from './options.js';
import { startProgress } from './progress.js';
import { formatSummary } from './summary-table.js';
import { UsageError } from './usage-error.js';
import { formatBytesApprox } from '../scenario/units.js';

export interface RunFlags {
  seed?: string;
  placement: string;
  workers?: string;
  guestsPerWorker?: string;
  mode: string;
  duration?: string;
  auditEvery?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `balloonsim run [scenario]`: returns the exit code. */
export async function runCommand(file: string | undefined, flags: RunFlags): Promise<number> {
  const placement = choiceFlag('--placement', flags.placement, ['inline', 'workers'] as const);
  const mode = choiceFlag('--mode', flags.mode, ['lockstep', 'free'] as const);
  if (flags.workers !== undefined && placement !== 'workers') {
    throw new UsageError(`--workers applies to --placement workers only (got --placement ${placement}); drop one of them`);
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
  const durationOverrideMs = flags.duration !== undefined ? durationFlag('--duration', flags.duration) : undefined;
  const options: SimulateOptions = {
    placement,
    ...(flags.seed !== undefined ? { seed: integerFlag('--seed', flags.seed) } : {}),
    ...(flags.workers !== undefined ? { workers: integerFlag('--workers', flags.workers, 1) } : {}),
    ...(flags.guestsPerWorker !== undefined ? { guestsPerWorker: integerFlag('--guests-per-worker', flags.guestsPerWorker, 1) } : {}),
    ...(flags.auditEvery !== undefined ? { auditEveryTicks: integerFlag('--audit-every', flags.auditEvery) } : {}),
  };
  if (options.workers !== undefined && options.workers > 4 * availableParallelism() + 64) {
    throw new UsageError(`--workers ${options.workers} is far more threads than this machine has cores (${availableParallelism()})`);
  }
  const loadOptions = durationOverrideMs !== undefined ? { durationOverrideMs } : {};
  const scenario: Scenario = file === undefined ? defaultScenario(loadOptions) : loadScenarioFile(file, loadOptions);
  if (mode === 'lockstep') checkLockstepFaults(scenario);
  if (options.guestsPerWorker !== undefined && Math.ceil(scenario.guests.length / options.guestsPerWorker) > 4 * availableParallelism() + 64) {
    throw new UsageError(`--guests-per-worker ${options.guestsPerWorker} would start ${Math.ceil(scenario.guests.length / options.guestsPerWorker)} threads for ${scenario.guests.length} guests on ${availableParallelism()} cores; raise it`);
  }
  const progress = flags.quiet ? null : startProgress(`running ${scenario.name}${mode === 'free' ? ' (free-running)' : ''}`);
  if (progress !== null) options.onProgress = progress.update;
  let result: RunResult;
  try {
    result = mode === 'free' ? await simulateFree(scenario, freeOptions(options)) : await simulate(scenario, options);
  } finally {
    progress?.done();
  }
  const summary = result.summary;
  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!flags.quiet) process.stdout.write(`${formatSummary(summary)}\n`);
  if (summary.audit.violations > 0) {
    process.stderr.write(
      `balloonsim: the audit found ${summary.audit.violations} invariant violation${summary.audit.violations === 1 ? '' : 's'}:\n` +
        summary.audit.firstViolations.map((line) => `  ${line}\n`).join(''),
    );
    return 1;
  }
  const missed = summary.faults?.liveness.missed ?? [];
  if (missed.length > 0) {
    process.stderr.write(
      `balloonsim: liveness: ${missed.length} guest${missed.length === 1 ? '' : 's'} did not reach their target within ${summary.faults!.settleSeconds} s after faults stopped:\n` +
        missed.map((miss) => `  ${miss.guest}: target ${formatBytesApprox(miss.targetBytes)}, at ${formatBytesApprox(miss.actualBytes)}\n`).join(''),
    );
    return 1;
  }
  return 0;
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

function freeOptions(options: SimulateOptions): FreeRunOptions {
  return {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.guestsPerWorker !== undefined ? { guestsPerWorker: options.guestsPerWorker } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  };
}
