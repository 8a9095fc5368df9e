/**
 * One measured run of a scenario in lockstep, in a process of its own (so
 * that peak memory belongs to this run alone): `node build/bench/scaling.js
 * SCENARIO PLACEMENT [WORKERS [SIMULATED_SECONDS]]` (the last instead of
 * the scenario's duration). Prints one JSON line: wall time, CPU time of
 * every thread, the coordinator's serial CPU time, garbage-collection time of
 * the calling thread (every thread's work, when inline), peak resident
 * memory, minor page faults (first touches of fresh memory; a read before
 * the first write of a page costs two, see writeBeforeRead), and the
 * audit's verdict. Runs longer than a simulated hour also report the wall
 * time of each tick after the first hour (`ticksAfterFirstHour`): median,
 * mean, 90th percentile, and the share of that time spent in ticks slower
 * than 1 ms (stalls: a median tick of dense-64 is a tenth of that).
 */
import { GCProfiler } from 'node:v8';
import { fileURLToPath } from 'node:url';
import type { PlacementKind } from '../src/runtime/placement.js';
import type { simulate as Simulate } from '../src/runtime/simulate.js';
import type { loadScenarioFile as LoadScenarioFile } from '../src/scenario/load.js';
import { runBundle } from '../src/util/bundle-loader.js';

// The command line's own bundle (dist/bundle/cli.cjs, from its code cache), as `balloonsim run` loads it: the
// code users run, not the modules tsc wrote (one module per file, about a tenth slower on dense-64: see
// docs/benchmarks.md). Its workers run the bundled worker entry beside it, as the command line's do.
const cli = runBundle(new URL('../../dist/bundle/cli.cjs', import.meta.url)).exports as { simulate: typeof Simulate; loadScenarioFile: typeof LoadScenarioFile };
const { simulate, loadScenarioFile } = cli;

const [file, placementArg, workersArg, secondsArg] = process.argv.slice(2);
const workers = Number(workersArg ?? '2');
const seconds = secondsArg === undefined ? undefined : Number(secondsArg);
if (file === undefined || (placementArg !== 'inline' && placementArg !== 'workers') || !(workers >= 1) || (seconds !== undefined && !(seconds > 0))) {
  process.stderr.write('usage: node build/bench/scaling.js SCENARIO inline|workers [WORKERS [SIMULATED_SECONDS]]\n');
  process.exit(2);
}
const placement: PlacementKind = placementArg;
const scenario = loadScenarioFile(fileURLToPath(new URL(`../../examples/${file}`, import.meta.url)), seconds === undefined ? {} : { durationOverrideMs: seconds * 1000 });

// V8's own record of every collection on this thread, with its cost (µs). A 'gc' PerformanceObserver
// reports nothing here for an inline run: its entries are delivered on later turns of the event loop,
// which a run that never yields does not give it.
const gcProfiler = new GCProfiler();
gcProfiler.start();
// Each tick's wall time, between the progress calls that end it and the tick before (the first tick is not timed).
const tickWallMs: number[] = [];
let lastProgressMs = 0;
const onProgress = (done: number): void => {
  const now = performance.now();
  if (done > 1) tickWallMs.push(now - lastProgressMs);
  lastProgressMs = now;
};
const { summary } = await simulate(scenario, { placement, ...(placement === 'workers' ? { workers } : {}), onProgress });
const collections = gcProfiler.stop()?.statistics ?? [];
const gcMs = collections.reduce((sum, gc) => sum + gc.cost, 0) / 1000;
const majorCollections = collections.filter((gc) => gc.gcType !== 'Scavenge' && gc.gcType !== 'MinorMarkSweep').length;
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
    gcCount: collections.length,
    majorGcCount: majorCollections,
    peakResidentBytes: process.resourceUsage().maxRSS * 1024,
    pageFaults: process.resourceUsage().minorPageFault,
    violations: summary.audit.violations,
    ticksAfterFirstHour: tickFigures(tickWallMs.slice(Math.round(3_600_000 / scenario.tickMs) - 1)),
  })}\n`,
);

/** Median, mean and 90th percentile of tick wall times (ms), their sum (s), and the share of it in ticks over 1 ms; null without ticks. */
function tickFigures(ticks: number[]): { ticks: number; totalSeconds: number; medianMs: number; meanMs: number; p90Ms: number; slowTickShare: number } | null {
  if (ticks.length === 0) return null;
  const sorted = Float64Array.from(ticks).sort();
  const total = sorted.reduce((sum, ms) => sum + ms, 0);
  const slow = sorted.reduce((sum, ms) => sum + (ms > 1 ? ms : 0), 0);
  return {
    ticks: sorted.length,
    totalSeconds: total / 1000,
    medianMs: sorted[Math.floor(sorted.length / 2)]!,
    meanMs: total / sorted.length,
    p90Ms: sorted[Math.floor(sorted.length * 0.9)]!,
    slowTickShare: slow / total,
  };
}
