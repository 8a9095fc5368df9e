/** Resolves the `faults` section: guest names (a group means every member), the phases, sorted crashes. */
import type { IssueList } from './raw-issue.js';
import { lookUp } from './resolve-events.js';
import type { ResolvedGuests } from './resolve-guests.js';
import type { FaultsFile } from './schema-faults.js';
import type { FaultCrash, FaultPlan } from '../model/scenario.js';
import { formatDuration } from '../model/units.js';

/**
 * The fault plan of a scenario file. `until` defaults to the whole run; a
 * crash after `until` is refused (it would fall in the liveness phase).
 */
export function resolveFaults(file: FaultsFile, durationMs: number, guests: ResolvedGuests, issues: IssueList): FaultPlan {
  const untilMs = file.until ?? durationMs;
  if (untilMs > durationMs) {
    issues.add(['faults', 'until'], `faults.until (${formatDuration(untilMs)}) is after the end of the run (${formatDuration(durationMs)})`, 'faults happen in the safety phase, which must end within the run');
  }
  const crashes: FaultCrash[] = [];
  file.crashes.forEach((crash, index) => {
    const path = ['faults', 'crashes', index];
    if (crash.at >= untilMs) {
      issues.add([...path, 'at'], `a crash at ${formatDuration(crash.at)} is not before faults.until (${formatDuration(untilMs)})`, 'crashes belong to the safety phase: move it earlier or faults.until later');
    }
    for (const name of lookUp(crash.guest, [...path, 'guest'], guests, issues)) crashes.push({ atMs: crash.at, guest: name, how: crash.how });
  });
  crashes.sort((a, b) => a.atMs - b.atMs);
  return {
    untilMs,
    settleMs: file.settle,
    crashes,
    randomThrows: file.random.throws,
    randomKills: file.random.kills,
    delayFraction: file.messages.delayed,
    delayTurnsMax: file.messages.maxDelay,
  };
}
