import { TimeSeries } from '../output/time-series.js';
import { writeRunOutputsUnchecked } from '../output/run-outputs.js';
import { matchGuests } from '../output/report-guests.js';
import type { FreeRunOptions } from '../runtime/free/free-run-types.js';
import { simulateFree } from '../runtime/free/simulate-free.js';
import { simulate, type RunResult, type SimulateOptions } from '../runtime/simulate.js';
import type { GuestSummary, RunSummary } from '../runtime/summary.js';
import { coloursFor } from './colour.js';
import { integerFlag } from './options.js';
import { loadPlanned, planRun, preflightPlanned, sampleEveryOf, simulateOptionsOf, type RunShapeFlags } from './run-plan.js';
import { startProgress } from './progress.js';
import { formatNotableEvents, formatSummary } from './summary-table.js';
import { formatBytesApprox } from '../model/units.js';
import { prepareOutDir } from '../output/out-dir.js';
import { withProvenance } from '../api/provenance.js';
import type { Scenario } from '../model/scenario.js';
import type { LivenessMiss } from '../faults/liveness.js';
import { UsageError } from './usage-error.js';

export interface RunFlags extends RunShapeFlags {
  seed?: string;
  auditEvery?: string;
  reportGuests?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `balloonsim run [scenario]`: returns the exit code. */
export async function runCommand(file: string | undefined, flags: RunFlags): Promise<number> {
  const plan = planRun(flags);
  const { mode } = plan;
  if (flags.reportGuests !== undefined && flags.out === undefined) {
    throw new UsageError('--report-guests picks the guests report.html draws; add --out DIR or drop it');
  }
  const options: SimulateOptions = {
    ...simulateOptionsOf(plan),
    ...(flags.seed !== undefined ? { seed: integerFlag('--seed', flags.seed) } : {}),
    ...(flags.auditEvery !== undefined ? { auditEveryTicks: integerFlag('--audit-every', flags.auditEvery) } : {}),
  };
  const scenario = loadPlanned(file, plan);
  const reportGuests = reportGuestsFlag(flags.reportGuests, scenario);
  const samplesEvery = sampleEveryOf(scenario, plan, flags.out !== undefined);
  preflightPlanned(scenario, plan, { sampleEvery: samplesEvery, quiet: flags.quiet === true });
  if (flags.out !== undefined) prepareOutDir(flags.out, '--out', 'run');
  let series: TimeSeries | null = null;
  if (flags.out !== undefined) {
    const recorder = new TimeSeries(
      scenario.guests.map((g) => g.name),
      scenario.frameBytes,
      Math.floor(scenario.host.memoryBytes / scenario.frameBytes),
    );
    options.sampleEveryTicks = samplesEvery;
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
  withProvenance(result, scenario, options.seed ?? scenario.seed);
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
    const written = await writeRunOutputsUnchecked(flags.out, result, series, reportGuests !== undefined ? { report: { guests: reportGuests } } : {});
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
    process.stderr.write(livenessMissText(summary, missed));
    return 1;
  }
  return 0;
}

/** What a failed liveness phase prints: each guest that missed, how far off it was and why, and what to change. */
function livenessMissText(summary: RunSummary, missed: readonly LivenessMiss[]): string {
  const { untilSeconds, settleSeconds } = summary.faults!;
  const moving = missed.filter((miss) => miss.targetChanges > 0);
  const hint =
    moving.length > 0
      ? `  (a target that keeps moving may never be met: the host set new targets ${moving.length === missed.length ? 'for each of them' : `for ${moving.map((m) => m.guest).join(', ')}`} during the phase ` +
        `(setTarget events, or a policy that sizes guests by what they use); to check liveness against targets that hold still, set them before faults.until ` +
        `and pause the policy when the faults stop (events: [{ at: ${untilSeconds}s, pausePolicy: true }]), or use the static policy)\n`
      : `  (a guest counts once its own status says it is at its target; if the balloons needed longer, give faults.settle more time (default 2m), or targets the guests' workloads leave room for)\n`;
  const guests = new Map(summary.guests.map((guest) => [guest.name, guest]));
  const line = (miss: LivenessMiss): string => {
    const parts = [gapText(miss.actualBytes - miss.targetBytes), ...heldBackText(miss, guests.get(miss.guest), summary.host.frameBytes)];
    if (miss.targetChanges > 0) parts.push(`its target changed ${miss.targetChanges} time${miss.targetChanges === 1 ? '' : 's'} in the phase`);
    const said = parts.filter((part) => part !== '');
    return `  ${miss.guest}: target ${formatBytesApprox(miss.targetBytes)}, at ${formatBytesApprox(miss.actualBytes)}${said.length > 0 ? ` (${said.join('; ')})` : ''}\n`;
  };
  return `balloonsim: liveness: ${missed.length} guest${missed.length === 1 ? '' : 's'} did not reach their target within ${settleSeconds} s after faults stopped:\n${missed.map(line).join('')}${hint}`;
}

/** How far a guest is from its target, which the rounded sizes may hide ("target 1 GiB, at 1 GiB"). */
function gapText(bytes: number): string {
  return bytes === 0 ? '' : `${formatBytesApprox(Math.abs(bytes))} ${bytes > 0 ? 'above it: the balloon must grow' : 'below it: the host must give memory back'}`;
}

/** What held a balloon back from a target below the guest, by its driver's counters at the end of the run. */
function heldBackText(miss: LivenessMiss, guest: GuestSummary | undefined, frameBytes: number): string[] {
  if (guest === undefined || miss.actualBytes <= miss.targetBytes) return [];
  const reasons: string[] = [];
  const floorHeld = guest.driver.floorHeldPages;
  if (floorHeld > 0) reasons.push(`its driver held back ${formatBytesApprox(floorHeld * frameBytes)} to keep available memory above the Hyper-V floor: a target below that is out of its reach`);
  if (guest.driver.outOfPuff > 0) reasons.push(`its balloon ran out of puff ${guest.driver.outOfPuff} time${guest.driver.outOfPuff === 1 ? '' : 's'} (no free page to take: the workload holds the memory)`);
  return reasons;
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

function freeOptions(options: SimulateOptions): FreeRunOptions {
  return {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.guestsPerWorker !== undefined ? { guestsPerWorker: options.guestsPerWorker } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  };
}
