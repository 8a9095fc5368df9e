import { availableParallelism } from 'node:os';
import { defaultSampleEveryTicks, TimeSeries } from '../output/time-series.js';
import { writeRunOutputs } from '../output/run-outputs.js';
import { matchGuests } from '../output/report-guests.js';
import { simulateFree, type FreeRunOptions } from '../runtime/free/simulate-free.js';
import { simulate, type RunResult, type SimulateOptions } from '../runtime/simulate.js';
import { defaultScenario } from '../scenario/default.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { coloursFor } from './colour.js';
import { choiceFlag, durationFlag, integerFlag, overrideFlags } from './options.js';
import { startProgress } from './progress.js';
import { formatNotableEvents, formatSummary } from './summary-table.js';
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
  out?: string;
  sampleEvery?: string;
  reportGuests?: string;
  json?: boolean;
  quiet?: boolean;
  set?: string[];
}

/** `balloonsim run [scenario]`: returns the exit code. */
export async function runCommand(file: string | undefined, flags: RunFlags): Promise<number> {
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
  if (flags.reportGuests !== undefined && flags.out === undefined) {
    throw new UsageError('--report-guests picks the guests report.html draws; add --out DIR or drop it');
  }
  const durationOverrideMs = flags.duration !== undefined ? durationFlag('--duration', flags.duration) : undefined;
  const options: SimulateOptions = {
    placement,
    ...(flags.seed !== undefined ? { seed: integerFlag('--seed', flags.seed) } : {}),
    ...(flags.workers !== undefined ? { workers: integerFlag('--workers', flags.workers, 1) } : {}),
    ...(flags.guestsPerWorker !== undefined ? { guestsPerWorker: integerFlag('--guests-per-worker', flags.guestsPerWorker, 1) } : {}),
    ...(flags.auditEvery !== undefined ? { auditEveryTicks: integerFlag('--audit-every', flags.auditEvery) } : {}),
  };
  const sampleEvery = flags.sampleEvery !== undefined ? integerFlag('--sample-every', flags.sampleEvery, 1) : undefined;
  if (options.workers !== undefined && options.workers > 4 * availableParallelism() + 64) {
    throw new UsageError(`--workers ${options.workers} is far more threads than this machine has cores (${availableParallelism()})`);
  }
  const loadOptions = { ...(durationOverrideMs !== undefined ? { durationOverrideMs } : {}), overrides: overrideFlags(flags.set) };
  const scenario: Scenario = file === undefined ? defaultScenario(loadOptions) : loadScenarioFile(file, loadOptions);
  if (mode === 'lockstep') checkLockstepFaults(scenario);
  const reportGuests = reportGuestsFlag(flags.reportGuests, scenario);
  if (options.guestsPerWorker !== undefined && Math.ceil(scenario.guests.length / options.guestsPerWorker) > 4 * availableParallelism() + 64) {
    throw new UsageError(`--guests-per-worker ${options.guestsPerWorker} would start ${Math.ceil(scenario.guests.length / options.guestsPerWorker)} threads for ${scenario.guests.length} guests on ${availableParallelism()} cores; raise it`);
  }
  let series: TimeSeries | null = null;
  if (flags.out !== undefined) {
    const recorder = new TimeSeries(
      scenario.guests.map((g) => g.name),
      scenario.frameBytes,
      Math.floor(scenario.host.memoryBytes / scenario.frameBytes),
    );
    const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
    options.sampleEveryTicks = sampleEvery ?? defaultSampleEveryTicks(ticks, scenario.guests.length);
    options.onSample = (sample) => recorder.add(sample);
    series = recorder;
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
  const stdoutColours = coloursFor(process.stdout);
  const stderrColours = coloursFor(process.stderr);
  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!flags.quiet) {
    process.stdout.write(`${formatSummary(summary, stdoutColours)}\n`);
    const notes = formatNotableEvents(result.events);
    if (notes !== '') process.stdout.write(`\n${notes}\n`);
  }
  if (flags.out !== undefined && series !== null) {
    const written = await writeRunOutputs(flags.out, result, series, reportGuests !== undefined ? { report: { guests: reportGuests } } : {});
    if (!flags.quiet) {
      const names = written.map((path) => path.slice(path.lastIndexOf('/') + 1)).join(', ');
      const line = `wrote ${flags.out}: ${names} (${series.length} samples)`;
      if (flags.json) process.stderr.write(`balloonsim: ${line}\n`);
      else process.stdout.write(`${line}\n`);
    }
  }
  if (summary.audit.violations > 0) {
    process.stderr.write(
      `${stderrColours.red('balloonsim:')} the audit found ${summary.audit.violations} invariant violation${summary.audit.violations === 1 ? '' : 's'}:\n` +
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

/** `--report-guests web,batch-*`: names or globs, each of which must match a guest of the scenario (checked before the run). */
function reportGuestsFlag(text: string | undefined, scenario: Scenario): string[] | undefined {
  if (text === undefined) return undefined;
  const patterns = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (patterns.length === 0) throw new UsageError('--report-guests takes guest names or globs separated by commas, such as web,batch-*');
  const names = scenario.guests.map((g) => g.name);
  const { unmatched } = matchGuests(names, patterns);
  if (unmatched.length > 0) {
    const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, ... (${names.length} guests)` : names.join(', ');
    throw new UsageError(`--report-guests: ${unmatched.map((p) => `"${p}"`).join(', ')} match${unmatched.length === 1 ? 'es' : ''} no guest of ${scenario.name} (its guests: ${shown})`);
  }
  return patterns;
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
