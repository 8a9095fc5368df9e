import { availableParallelism } from 'node:os';
import { simulate, type SimulateOptions } from '../runtime/simulate.js';
import { defaultScenario } from '../scenario/default.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { choiceFlag, durationFlag, integerFlag, overrideFlags } from './options.js';
import { startProgress } from './progress.js';
import { formatNotableEvents, formatSummary } from './summary-table.js';
import { UsageError } from './usage-error.js';

export interface RunFlags {
  seed?: string;
  placement: string;
  workers?: string;
  duration?: string;
  auditEvery?: string;
  json?: boolean;
  quiet?: boolean;
  set?: string[];
}

/** `balloonsim run [scenario]`: returns the exit code. */
export async function runCommand(file: string | undefined, flags: RunFlags): Promise<number> {
  const placement = choiceFlag('--placement', flags.placement, ['inline', 'workers'] as const);
  if (flags.workers !== undefined && placement !== 'workers') {
    throw new UsageError(`--workers applies to --placement workers only (got --placement ${placement}); drop one of them`);
  }
  const durationOverrideMs = flags.duration !== undefined ? durationFlag('--duration', flags.duration) : undefined;
  const options: SimulateOptions = {
    placement,
    ...(flags.seed !== undefined ? { seed: integerFlag('--seed', flags.seed) } : {}),
    ...(flags.workers !== undefined ? { workers: integerFlag('--workers', flags.workers, 1) } : {}),
    ...(flags.auditEvery !== undefined ? { auditEveryTicks: integerFlag('--audit-every', flags.auditEvery) } : {}),
  };
  if (options.workers !== undefined && options.workers > 4 * availableParallelism() + 64) {
    throw new UsageError(`--workers ${options.workers} is far more threads than this machine has cores (${availableParallelism()})`);
  }
  const loadOptions = { ...(durationOverrideMs !== undefined ? { durationOverrideMs } : {}), overrides: overrideFlags(flags.set) };
  const scenario: Scenario = file === undefined ? defaultScenario(loadOptions) : loadScenarioFile(file, loadOptions);
  const progress = flags.quiet ? null : startProgress(`running ${scenario.name}`);
  if (progress !== null) options.onProgress = progress.update;
  let result;
  try {
    result = await simulate(scenario, options);
  } finally {
    progress?.done();
  }
  const summary = result.summary;
  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!flags.quiet) {
    process.stdout.write(`${formatSummary(summary)}\n`);
    const notes = formatNotableEvents(result.events);
    if (notes !== '') process.stdout.write(`\n${notes}\n`);
  }
  if (summary.audit.violations > 0) {
    process.stderr.write(
      `balloonsim: the audit found ${summary.audit.violations} invariant violation${summary.audit.violations === 1 ? '' : 's'}:\n` +
        summary.audit.firstViolations.map((line) => `  ${line}\n`).join(''),
    );
    return 1;
  }
  return 0;
}
