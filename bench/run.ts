/**
 * `npm run bench`: runs every benchmark in a process of its own (so that
 * peak memory and warm-up belong to one measurement), prints a table against
 * the issue's targets, and writes bench/results.json. Benchmarks report
 * figures; tests never assert timings.
 *
 * dense and stress run examples/dense-64.yaml and examples/stress-1000.yaml
 * in lockstep, inline and on 2 worker threads (bench/scaling.ts), and report
 * CPU seconds per simulated hour over every thread, wall times and their
 * ratio, the coordinator's share of all CPU time with the speed-up it allows
 * on more cores (Amdahl), garbage-collection time and peak resident memory,
 * and the most the workers' wall speed-up can be on this machine: workers do
 * all of inline's work, so they take at least inline's CPU time spread over
 * every core (`workersOverInlineBound`: the cores over the cores inline
 * already keeps busy, its CPU time over its wall time).
 * dense also runs three simulated hours, inline and on workers, and reports
 * the wall time of the hours after the first, which leaves out what every
 * run pays once (process start, the optimizing compiler warming up in each
 * thread, first touch of memory, the final audit).
 * threads measures the machine itself (bench/threads.ts): what a second
 * thread gives a compute-bound and a memory-bound loop, the ceiling of the
 * workers' wall speed-up. Before and after all of them, a probe measures
 * what a first touch of memory (a page fault) costs on the machine
 * (scripts/lib/fault-probe.cjs): on a virtual machine that moves every run's
 * CPU time.
 *
 * Environment: BENCH_ONLY=protocol,dense,stress,memory,boot,threads picks some;
 * BENCH_REPEATS (best of N, default 3 for protocol and dense, 1 for stress: on a shared virtual machine
 * the host's load moves a dense-64 run by a quarter within minutes, and interference only adds time).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

type Figures = Record<string, unknown>;

interface Bench {
  name: string;
  file: string;
}

const BENCHES: Bench[] = [
  { name: 'protocol', file: 'protocol.js' },
  { name: 'memory', file: 'memory.js' },
  { name: 'boot', file: 'boot.js' },
  { name: 'threads', file: 'threads.js' },
];

/** The scaling benchmarks: a scenario, inline and on workers, each run in its own process. */
const SCALING: Array<{ name: string; scenario: string; repeats: number; longerSeconds?: number }> = [
  { name: 'dense', scenario: 'dense-64.yaml', repeats: 3, longerSeconds: 3 * 3600 },
  { name: 'stress', scenario: 'stress-1000.yaml', repeats: 1 },
];
const WORKERS = Number(process.env.BENCH_WORKERS ?? '') || 2;

const here = new URL('.', import.meta.url);
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const results: Record<string, Figures> = {};
const loadBefore = loadavg();
const faultsBefore = firstTouch();

for (const bench of BENCHES) {
  if (only !== undefined && !only.includes(bench.name)) continue;
  process.stderr.write(`bench: ${bench.name} ...\n`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [fileURLToPath(new URL(bench.file, here))], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env });
  if (run.status !== 0) {
    process.stderr.write(run.stderr);
    throw new Error(`bench ${bench.name} failed (exit ${run.status})`);
  }
  const line = run.stdout.trim().split('\n').at(-1) ?? '{}';
  results[bench.name] = { ...(JSON.parse(line) as Figures), benchSeconds: (performance.now() - started) / 1000 };
}

for (const bench of SCALING) {
  if (only !== undefined && !only.includes(bench.name)) continue;
  process.stderr.write(`bench: ${bench.name} (${bench.scenario}) ...\n`);
  const started = performance.now();
  const repeats = Number(process.env.BENCH_REPEATS ?? '') || bench.repeats;
  const inline = bestOf(repeats, () => scalingRun(bench.scenario, 'inline'));
  const workers = bestOf(repeats, () => scalingRun(bench.scenario, 'workers', WORKERS));
  const figures = scalingFigures(inline, workers);
  if (bench.longerSeconds !== undefined) {
    const longerInline = bestOf(repeats, () => scalingRun(bench.scenario, 'inline', 1, bench.longerSeconds));
    const longerWorkers = bestOf(repeats, () => scalingRun(bench.scenario, 'workers', WORKERS, bench.longerSeconds));
    figures.afterFirstHour = laterHours(inline, workers, longerInline, longerWorkers);
  }
  results[bench.name] = { ...figures, benchSeconds: (performance.now() - started) / 1000 };
}

const num = (figures: Figures | undefined, key: string): number => Number(figures?.[key] ?? Number.NaN);
const rows: Array<[string, string, string, string]> = [];
const mega = (value: number): string => `${(value / 1e6).toFixed(1)} M/s`;
const check = (ok: boolean): string => (ok ? 'met' : 'NOT met');
const p = results.protocol;
if (p !== undefined) {
  const real = num(p, 'protocolFramesPerSecond');
  rows.push(['raw compare-exchange, one thread', mega(num(p, 'rawCasPerSecond')), '', '']);
  rows.push(['raw range moves (WebAssembly), one thread', mega(num(p, 'rawRangeMovesPerSecond')), '', '']);
  rows.push(['the same, 16-bit owners (runs of up to 32,767 guests)', mega(num(p, 'rawRangeMoves16PerSecond')), '', '']);
  rows.push(['virtio-shaped: 256 frames per sync round trip', mega(num(p, 'virtioShapedFramesPerSecond')), '', '']);
  rows.push(['protocol throughput (frames moved)', mega(real), '>= 0.25 x raw (goal 0.5)', `${num(p, 'ratioToRaw').toFixed(2)} x raw: ${check(num(p, 'ratioToRaw') >= 0.25)}`]);
  rows.push(['', '', '>= 4 x virtio-shaped', `${num(p, 'ratioToVirtio').toFixed(2)} x: ${check(num(p, 'ratioToVirtio') >= 4)}`]);
}
for (const [name, label] of [
  ['dense', 'dense-64'],
  ['stress', 'stress-1000'],
] as const) {
  const r = results[name];
  if (r === undefined) continue;
  rows.push([`${label}, inline`, `${num(r, 'inlineSimulatedSecondsPerWallSecond').toFixed(0)} x real time`, name === 'dense' ? '>= 2000 x (idle machine)' : '', `${num(r, 'inlineWallSeconds').toFixed(2)} s wall${name === 'dense' ? `: ${check(num(r, 'inlineSimulatedSecondsPerWallSecond') >= 2000)}` : ''}`]);
  rows.push([`${label}, CPU per simulated hour`, `${num(r, 'cpuSecondsPerSimulatedHour').toFixed(2)} s inline, ${num(r, 'workersCpuSecondsPerSimulatedHour').toFixed(2)} s on workers`, '', '']);
  const bound = `at most ${num(r, 'workersOverInlineBound').toFixed(2)} x on ${num(r, 'cores')} cores (inline keeps ${num(r, 'inlineCoresBusy').toFixed(2)} busy)`;
  rows.push([
    `${label}, ${num(r, 'workers')} workers / inline (wall)`,
    `${num(r, 'workersOverInline').toFixed(2)} x`,
    name === 'dense' ? '>= 1.6 x' : '',
    name === 'dense' ? `${check(num(r, 'workersOverInline') >= 1.6)}; ${bound}` : bound,
  ]);
  const later = r.afterFirstHour as Figures | undefined;
  if (later !== undefined) {
    rows.push([
      `${label}, hours after the first: ${num(r, 'workers')} workers / inline (wall)`,
      `${num(later, 'ticksWorkersOverInline').toFixed(2)} x (their ticks), ${num(later, 'workersOverInline').toFixed(2)} x (runs' difference)`,
      '',
      `${num(later, 'inlineWallSecondsPerHour').toFixed(2)} s inline, ${num(later, 'workersWallSecondsPerHour').toFixed(2)} s on workers per simulated hour`,
    ]);
    const inlineTicks = later.inlineTicks as Figures | null;
    const workersTicks = later.workersTicks as Figures | null;
    if (inlineTicks !== null && workersTicks !== null) {
      const us = (figures: Figures, key: string): string => `${(num(figures, key) * 1000).toFixed(0)} µs`;
      const slow = (figures: Figures): string => `${(num(figures, 'slowTickShare') * 100).toFixed(0)} %`;
      rows.push([
        `${label}, a tick after the first hour (wall)`,
        `median ${us(inlineTicks, 'medianMs')} inline, ${us(workersTicks, 'medianMs')} on workers`,
        '',
        `mean ${us(inlineTicks, 'meanMs')} and ${us(workersTicks, 'meanMs')}; in ticks over 1 ms: ${slow(inlineTicks)} and ${slow(workersTicks)} of the time`,
      ]);
    }
  }
  rows.push([`${label}, coordinator's share of CPU`, num(r, 'coordinatorCpuShare').toFixed(3), '<= 0.15', check(num(r, 'coordinatorCpuShare') <= 0.15)]);
  const amdahl = (r.amdahl ?? {}) as Record<string, number>;
  rows.push([`${label}, Amdahl speed-up`, `8 cores ${amdahl['8']?.toFixed(1)} x, 16 ${amdahl['16']?.toFixed(1)} x, 64 ${amdahl['64']?.toFixed(1)} x`, '', '']);
  rows.push([`${label}, GC and memory`, `GC ${num(r, 'gcSeconds').toFixed(2)} s inline (${num(r, 'gcCount')} collections, ${num(r, 'majorGcCount')} full)`, name === 'stress' ? '<= 2.5 GiB' : '', `${(num(r, 'peakResidentBytes') / 2 ** 30).toFixed(2)} GiB peak RSS, ${(num(r, 'pageFaults') / 1000).toFixed(0)} k page faults${name === 'stress' ? `: ${check(num(r, 'peakResidentBytes') <= 2.5 * 2 ** 30)}` : ''}`]);
}
const m = results.memory;
if (m !== undefined) {
  rows.push(['memory, 1 TiB host, 256 x 4 GiB guests', `${num(m, 'bytesPerFrame').toFixed(2)} B/frame`, '<= 20 B/frame', `${(num(m, 'peakResidentBytes') / 2 ** 30).toFixed(2)} GiB peak RSS: ${check(num(m, 'bytesPerFrame') <= 20)}`]);
}
const b = results.boot;
if (b !== undefined) {
  rows.push(['boot 1,000 guest actors (1 GiB each)', `${num(b, 'bootSeconds').toFixed(2)} s`, '<= 5 s', check(num(b, 'bootSeconds') <= 5)]);
}

const t = results.threads;
if (t !== undefined) {
  rows.push(['this machine, 2 threads / 1 (same work, wall)', `compute ${num(t, 'computeSpeedUp').toFixed(2)} x, memory-bound ${num(t, 'memorySpeedUp').toFixed(2)} x`, '', 'the ceiling for workers on page-bound runs']);
}

const faultsAfter = firstTouch();
rows.push(['this machine, first touch of memory (a page fault)', `${faultsBefore.toFixed(1)} us a page before, ${faultsAfter.toFixed(1)} after`, '', 'moves every run\'s CPU time (docs/benchmarks.md)']);

const header: [string, string, string, string] = ['benchmark', 'figure', 'target', 'verdict'];

/** Microseconds a first touch of fresh memory takes on this machine now (scripts/lib/fault-probe.cjs, a process of its own), or NaN. */
function firstTouch(): number {
  const run = spawnSync(process.execPath, [fileURLToPath(new URL('../../scripts/lib/fault-probe.cjs', import.meta.url))], { encoding: 'utf8' });
  if (run.status !== 0) return Number.NaN;
  return Number((JSON.parse(run.stdout) as { microsPerPage: number }).microsPerPage);
}

/** One run of bench/scaling.ts in its own process (for `seconds` simulated seconds if given, else the scenario's duration). */
function scalingRun(scenario: string, placement: 'inline' | 'workers', workers = 1, seconds?: number): Figures {
  const args = [fileURLToPath(new URL('scaling.js', here)), scenario, placement, String(workers), ...(seconds !== undefined ? [String(seconds)] : [])];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env });
  if (run.status !== 0) {
    process.stderr.write(run.stderr);
    throw new Error(`bench scaling ${scenario} ${placement} failed (exit ${run.status})`);
  }
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Figures;
}

/** The run with the least CPU time of `repeats` (interference only ever adds to it). */
function bestOf(repeats: number, run: () => Figures): Figures {
  let best: Figures | null = null;
  for (let i = 0; i < repeats; i++) {
    const figures = run();
    if (best === null || Number(figures.cpuSeconds) < Number(best.cpuSeconds)) best = figures;
  }
  return best!;
}

/** The figures of a scaling benchmark from its inline and workers runs. */
function scalingFigures(inline: Figures, workers: Figures): Figures {
  const n = (figures: Figures, key: string): number => Number(figures[key]);
  const hours = n(inline, 'simulatedSeconds') / 3600;
  const share = n(workers, 'coordinatorSeconds') / n(workers, 'cpuSeconds');
  const amdahl = (cores: number): number => 1 / (share + (1 - share) / cores);
  // Workers do all of inline's work (and more: each thread's isolate compiles its own code), so on this
  // machine's cores they cannot take less wall time than inline's CPU time spread over all of them.
  const cores = availableParallelism();
  const inlineCoresBusy = n(inline, 'cpuSeconds') / n(inline, 'wallSeconds');
  return {
    scenario: inline.scenario,
    simulatedSeconds: n(inline, 'simulatedSeconds'),
    workers: n(workers, 'threads'),
    cpuSecondsPerSimulatedHour: n(inline, 'cpuSeconds') / hours,
    workersCpuSecondsPerSimulatedHour: n(workers, 'cpuSeconds') / hours,
    inlineWallSeconds: n(inline, 'wallSeconds'),
    workersWallSeconds: n(workers, 'wallSeconds'),
    inlineSimulatedSecondsPerWallSecond: n(inline, 'simulatedSecondsPerWallSecond'),
    workersSimulatedSecondsPerWallSecond: n(workers, 'simulatedSecondsPerWallSecond'),
    workersOverInline: n(inline, 'wallSeconds') / n(workers, 'wallSeconds'),
    cores,
    inlineCoresBusy,
    workersOverInlineBound: cores / inlineCoresBusy,
    coordinatorCpuShare: share,
    inlineCoordinatorCpuShare: n(inline, 'coordinatorSeconds') / n(inline, 'cpuSeconds'),
    amdahl: { 8: amdahl(8), 16: amdahl(16), 64: amdahl(64) },
    gcSeconds: n(inline, 'gcSeconds'),
    gcCount: n(inline, 'gcCount'),
    majorGcCount: n(inline, 'majorGcCount'),
    workersGcSecondsCoordinator: n(workers, 'gcSeconds'),
    peakResidentBytes: n(inline, 'peakResidentBytes'),
    workersPeakResidentBytes: n(workers, 'peakResidentBytes'),
    pageFaults: n(inline, 'pageFaults'),
    workersPageFaults: n(workers, 'pageFaults'),
    violations: n(inline, 'violations') + n(workers, 'violations'),
    inline,
    workersRun: workers,
  };
}
/** The wall time of a run's ticks after its first simulated hour (bench/scaling.ts), or NaN. */
function tickSeconds(run: Figures): number {
  return Number((run.ticksAfterFirstHour as Figures | null)?.totalSeconds ?? Number.NaN);
}

/**
 * What the simulated hours after the first cost, from runs of the scenario's
 * duration and of a longer one: the difference of their times per simulated
 * hour between them, inline and on workers, and the ratio of the wall times.
 */
function laterHours(inline: Figures, workers: Figures, longerInline: Figures, longerWorkers: Figures): Figures {
  const n = (figures: Figures, key: string): number => Number(figures[key]);
  const hours = (n(longerInline, 'simulatedSeconds') - n(inline, 'simulatedSeconds')) / 3600;
  const perHour = (short: Figures, long: Figures, key: string): number => (n(long, key) - n(short, key)) / hours;
  const inlineWall = perHour(inline, longerInline, 'wallSeconds');
  const workersWall = perHour(workers, longerWorkers, 'wallSeconds');
  return {
    fromSeconds: n(inline, 'simulatedSeconds'),
    toSeconds: n(longerInline, 'simulatedSeconds'),
    inlineWallSecondsPerHour: inlineWall,
    workersWallSecondsPerHour: workersWall,
    workersOverInline: inlineWall / workersWall,
    inlineCpuSecondsPerHour: perHour(inline, longerInline, 'cpuSeconds'),
    workersCpuSecondsPerHour: perHour(workers, longerWorkers, 'cpuSeconds'),
    inlineTicks: longerInline.ticksAfterFirstHour,
    workersTicks: longerWorkers.ticksAfterFirstHour,
    // The same ratio from the ticks' own wall times in the longer runs: steadier than a difference of two runs.
    ticksWorkersOverInline: tickSeconds(longerInline) / tickSeconds(longerWorkers),
    longerInline,
    longerWorkers,
  };
}

const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
process.stdout.write(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);

const machine = {
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryBytes: totalmem(),
  node: process.version,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadavg(),
  // A page fault's cost before and after the benchmarks: on a virtual machine it varies by eight times from hour to hour.
  firstTouchMicrosPerPage: { before: faultsBefore, after: faultsAfter },
  date: new Date().toISOString(),
};
const out = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
writeFileSync(out, `${JSON.stringify({ machine, results }, null, 2)}\n`);
process.stdout.write(`\nwrote ${out}\n`);
