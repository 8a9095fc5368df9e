/**
 * Simulation speed: examples/dense-64.yaml (64 guests of 4 GiB on a 192 GiB
 * host, one simulated hour at 1 s ticks) in lockstep, inline and on worker
 * threads; simulated seconds per wall second, best of BENCH_REPEATS runs
 * each. Prints one JSON line.
 */
import { fileURLToPath } from 'node:url';
import { simulate } from '../src/runtime/simulate.js';
import type { PlacementKind } from '../src/runtime/placement.js';
import { loadScenarioFile } from '../src/scenario/load.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? '') || 2;
const WORKERS = Number(process.env.BENCH_WORKERS ?? '') || 2;
const file = fileURLToPath(new URL('../../examples/dense-64.yaml', import.meta.url));
const scenario = loadScenarioFile(file);

async function best(placement: PlacementKind): Promise<{ speed: number; wallSeconds: number; violations: number }> {
  let bestRun = { speed: 0, wallSeconds: Infinity, violations: 0 };
  for (let i = 0; i < REPEATS; i++) {
    const { summary } = await simulate(scenario, { placement, ...(placement === 'workers' ? { workers: WORKERS } : {}) });
    if (summary.timing.simulatedSecondsPerWallSecond > bestRun.speed) {
      bestRun = { speed: summary.timing.simulatedSecondsPerWallSecond, wallSeconds: summary.timing.wallSeconds, violations: summary.audit.violations };
    }
  }
  return bestRun;
}

const inline = await best('inline');
const workers = await best('workers');
process.stdout.write(
  `${JSON.stringify({
    scenario: scenario.name,
    simulatedSeconds: scenario.durationMs / 1000,
    workers: WORKERS,
    inlineSimulatedSecondsPerWallSecond: inline.speed,
    inlineWallSeconds: inline.wallSeconds,
    workersSimulatedSecondsPerWallSecond: workers.speed,
    workersWallSeconds: workers.wallSeconds,
    workersOverInline: workers.speed / inline.speed,
    violations: inline.violations + workers.violations,
  })}\n`,
);
