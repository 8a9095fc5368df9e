/**
 * A sweep's cases go through run's preflight before the first one starts, so
 * that a case the simulator cannot do (a table too large, guests that cannot
 * boot, more memory than the machine has) stops the sweep at once, naming the
 * case, instead of failing after the others have run.
 */
import { assertPreflight } from '../preflight/preflight.js';
import { defaultSampleEveryTicks } from '../output/time-series.js';
import { ScenarioError, type ScenarioIssue } from '../scenario/errors.js';
import type { SweepGrid } from '../sweep/grid.js';

/** Throws one ScenarioError with the errors of every case that cannot run (each prefixed with its case and label). */
export function preflightSweep(grid: SweepGrid, sampleEveryTicks?: number): void {
  const issues: ScenarioIssue[] = [];
  for (const sweepCase of grid.cases) {
    const scenario = sweepCase.scenario;
    const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
    const every = sampleEveryTicks ?? defaultSampleEveryTicks(ticks, Math.max(1, scenario.guests.length));
    try {
      assertPreflight(scenario, { placement: 'inline', samples: Math.ceil(ticks / every) + 1 });
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      for (const issue of error.issues) issues.push({ ...issue, message: `case ${sweepCase.index} (${sweepCase.label}): ${issue.message}` });
    }
  }
  if (issues.length > 0) throw new ScenarioError(grid.source, issues);
}
