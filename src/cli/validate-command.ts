import { loadPolicyModules } from '../host/manager/policies/index.js';
import { loadScenarioFile } from '../scenario/load.js';
import { overrideFlags } from './options.js';
import { formatBytesApprox as formatBytes, formatDuration } from '../scenario/units.js';

/** `balloonsim validate FILE`: prints what the scenario describes; invalid files throw a ScenarioError (exit 2). */
export async function validateCommand(file: string, flags: { set?: string[]; quiet?: boolean } = {}): Promise<number> {
  const scenario = loadScenarioFile(file, { overrides: overrideFlags(flags.set) });
  // Policy modules are imported too, so that a module that does not load is found now, not at run time.
  await loadPolicyModules(scenario);
  if (flags.quiet === true) return 0;
  const guestBytes = scenario.guests.reduce((sum, g) => sum + g.memoryBytes, 0);
  const usable = scenario.host.memoryBytes - scenario.host.reservedBytes;
  process.stdout.write(
    `${file}: valid scenario "${scenario.name}": ${scenario.guests.length} guest${scenario.guests.length === 1 ? '' : 's'} ` +
      `with ${formatBytes(guestBytes)} of boot memory on a host with ${formatBytes(usable)} usable ` +
      `(${((guestBytes / usable) * 100).toFixed(0)} % committed), ${scenario.events.length} event${scenario.events.length === 1 ? '' : 's'}, ` +
      `${formatDuration(scenario.durationMs)} in ticks of ${formatDuration(scenario.tickMs)}, policy ${scenario.host.policy.kind}\n`,
  );
  return 0;
}
