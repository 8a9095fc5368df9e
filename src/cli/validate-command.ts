import { loadPolicyModules } from '../host/manager/policies/index.js';
import { formatNotes } from '../preflight/preflight.js';
import { moduleLoadWatch, watchPolicyCalls } from '../runtime/policy-watch/policy-watch.js';
import { resolvedScenarioYaml } from '../scenario/resolved-file.js';
import { BALLOONSIM_VERSION } from '../util/version.js';
import { loadPlanned, planRun, preflightPlanned, type RunShapeFlags } from './run-plan.js';
import { formatBytesApprox as formatBytes, formatDuration } from '../model/units.js';

export interface ValidateFlags extends Omit<RunShapeFlags, 'out' | 'sampleEvery'> {
  quiet?: boolean;
  printResolved?: boolean;
}

/**
 * `balloonsim validate FILE`: prints what the scenario describes. Runs the
 * same preflight as `run` (and the flags of run that shape a run: --placement, --workers, --mode, --duration, --set), so
 * that a file validate accepts is one run can do; invalid files throw a
 * ScenarioError (exit 2).
 */
export async function validateCommand(file: string, flags: ValidateFlags = { placement: 'workers', mode: 'lockstep' }): Promise<number> {
  const plan = planRun(flags);
  const scenario = loadPlanned(file, plan);
  const report = preflightPlanned(scenario, plan, { sampleEvery: 0, quiet: flags.quiet === true });
  // Policy modules are imported too, so that a module that does not load is found now, not at run time
  // (watched as a run watches them: top-level code that loops or never settles is stopped and named).
  await watchPolicyCalls(scenario, {}, 'validate', (watched) => loadPolicyModules(scenario, moduleLoadWatch(watched)));
  if (flags.printResolved === true) {
    process.stdout.write(resolvedScenarioYaml(scenario, [`balloonsim ${BALLOONSIM_VERSION}, Node ${process.version}; run it with: balloonsim run FILE`]));
    return 0;
  }
  if (flags.quiet === true) return 0;
  const guestBytes = scenario.guests.reduce((sum, g) => sum + g.memoryBytes, 0);
  const usable = scenario.host.memoryBytes - scenario.host.reservedBytes;
  process.stdout.write(
    `${file}: valid scenario "${scenario.name}": ${scenario.guests.length} guest${scenario.guests.length === 1 ? '' : 's'} ` +
      `with ${formatBytes(guestBytes)} of boot memory on a host with ${formatBytes(usable)} usable ` +
      `(${((guestBytes / usable) * 100).toFixed(0)} % committed), ${scenario.events.length} event${scenario.events.length === 1 ? '' : 's'}, ` +
      `${formatDuration(scenario.durationMs)} in ticks of ${formatDuration(scenario.tickMs)}, policy ${scenario.host.policy.kind}\n`,
  );
  process.stdout.write(
    `${file}: a run needs about ${formatBytes(report.estimate.totalBytes)} of memory ` +
      `(${report.threads === 0 ? 'inline' : `${report.threads} worker thread${report.threads === 1 ? '' : 's'}`}, without --out); ${report.machine.source} has ${formatBytes(report.machine.totalBytes)}\n`,
  );
  for (const note of formatNotes(scenario, report)) process.stdout.write(`${note}\n`);
  return 0;
}
