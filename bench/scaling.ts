/**
 * One measured run of a scenario in lockstep, in a process of its own (so
 * that peak memory belongs to this run alone): `node build/bench/scaling.js
 * SCENARIO PLACEMENT [WORKERS]`. Prints one JSON line: wall time, CPU time of
 * every thread, the coordinator's serial CPU time, garbage-collection time of
 * the calling thread (every thread's work, when inline), peak resident
 * memory, and the audit's verdict.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { simulate } from '../src/runtime/simulate.js';
import type { PlacementKind } from '../src/runtime/placement.js';
import { loadScenarioFile } from '../src/scenario/load.js';

const [file, placementArg, workersArg] = process.argv.slice(2);
if (file === undefined || (placementArg !== 'inline' && placementArg !== 'workers')) {
  process.stderr.write('usage: node build/bench/scaling.js SCENARIO inline|workers [WORKERS]\n');
  process.exit(2);
}
const placement: PlacementKind = placementArg;
const workers = Number(workersArg ?? '2');
const scenario = loadScenarioFile(fileURLToPath(new URL(`../../examples/${file}`, import.meta.url)));

let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});
observer.observe({ entryTypes: ['gc'] });

const { summary } = await simulate(scenario, { placement, ...(placement === 'workers' ? { workers } : {}) });
// GC entries reach the observer's callback on a later turn of the event loop: an inline run that never yields
// would otherwise report none. Take what is still queued before disconnecting.
for (const entry of observer.takeRecords()) gcMs += entry.duration;
await new Promise((resolve) => setTimeout(resolve, 0));
observer.disconnect();
const timing = summary.timing;
process.stdout.write(
  `${JSON.stringify({
    scenario: scenario.name,
    placement,
    threads: timing.threads,
    simulatedSeconds: summary.simulatedSeconds,
    wallSeconds: timing.wallSeconds,
    simulatedSecondsPerWallSecond: timing.simulatedSecondsPerWallSecond,
    cpuSeconds: timing.cpuSeconds,
    coordinatorSeconds: timing.coordinatorSeconds,
    gcSeconds: gcMs / 1000,
    peakResidentBytes: process.resourceUsage().maxRSS * 1024,
    violations: summary.audit.violations,
  })}\n`,
);
