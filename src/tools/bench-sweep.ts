/**
 * `npm run bench:sweep`: how much faster a sweep runs with concurrency 2 than
 * one case after another. Each sweep is 8 cases of the built-in default
 * scenario (seeds 1 to 8), each case run inline in a worker thread, at two
 * case lengths: the scenario's own 20 simulated minutes (under a second a
 * case) and 4 simulated hours (several seconds a case, as real sweeps are).
 *
 * The worker threads are started and warmed up (the simulator loaded and
 * run once) before the clock starts, and kept from round to round, as a
 * sweep keeps them from case to case; `--cold` starts fresh threads inside
 * every timed sweep instead. Both ways are timed `--rounds` times,
 * alternating, with the CPU time of every thread of the process, and the
 * medians compared. Other processes on the machine show in the CPU
 * pressure (Linux PSI) printed with the figures.
 *
 *   node dist/tools/bench-sweep.js [--rounds 3] [--cases 8] [--durations 20m,4h] [--concurrency 2] [--cold] [--json]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseDuration } from '../model/units.js';
import { expandGrid, type SweepGrid } from '../sweep/grid.js';
import { sweep } from '../sweep/sweep.js';
import { SweepPool } from '../sweep/sweep-pool.js';
import type { SweepTable } from '../sweep/table.js';

function flag(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round3 = (value: number): number => Number(value.toFixed(3));

interface Timed {
  wall: number;
  cpu: number;
  /** Mean seconds a case took inside its thread. */
  caseMean: number;
}

/** Wall seconds, CPU seconds of every thread of this process, and the cases' own times. */
async function timed(run: () => Promise<SweepTable>): Promise<Timed> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const table = await run();
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = Object.values(table.timing[0]?.caseSeconds ?? {});
  return { wall: (performance.now() - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6, caseMean: seconds.reduce((a, b) => a + b, 0) / Math.max(1, seconds.length) };
}

/** Linux's CPU pressure (`some`, percent): how much others compete for the cores. */
function cpuPressure(window: 'avg10' | 'avg60' = 'avg60'): number | null {
  try {
    const found = new RegExp(`some .*${window}=([\\d.]+)`).exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return found === null ? null : Number(found[1]);
  } catch {
    return null;
  }
}

/** Pressure below this (avg10, percent) when a round starts: nothing else was competing for the cores. */
const QUIET_PRESSURE = 10;

function gridOf(cases: number, durationMs: number, firstSeed = 1): SweepGrid {
  return expandGrid({ name: 'bench', base: 'default', durationMs, parameters: { seed: Array.from({ length: cases }, (_, i) => firstSeed + i) } }, { source: 'bench' });
}

async function measure(durationText: string, options: { rounds: number; cases: number; concurrency: number; cold: boolean }) {
  const durationMs = parseDuration(durationText, '--durations');
  const grid = gridOf(options.cases, durationMs);
  const pools = options.cold ? null : { one: new SweepPool(1), many: new SweepPool(options.concurrency) };
  try {
    if (pools !== null) {
      // Warm up: every thread loads the simulator and runs a short case, untimed.
      const warm = gridOf(options.concurrency, 60_000, 1000);
      await sweep(warm, { pool: pools.one });
      await sweep(warm, { pool: pools.many });
    }
    const runOne = () => sweep(grid, pools === null ? { concurrency: 1 } : { pool: pools.one });
    const runMany = () => sweep(grid, pools === null ? { concurrency: options.concurrency } : { pool: pools.many });
    const one: Timed[] = [];
    const many: Timed[] = [];
    const quietRounds: number[] = [];
    const pressure = { before: cpuPressure(), after: null as number | null };
    for (let round = 0; round < options.rounds; round++) {
      const quietBefore = (cpuPressure('avg10') ?? 0) < QUIET_PRESSURE;
      one.push(await timed(runOne));
      many.push(await timed(runMany));
      if (quietBefore && (cpuPressure('avg10') ?? 0) < QUIET_PRESSURE) quietRounds.push(round);
      const a = one[round]!;
      const b = many[round]!;
      process.stderr.write(
        `${durationText} cases, round ${round + 1}/${options.rounds}: one after another ${a.wall.toFixed(2)} s (${a.cpu.toFixed(2)} s CPU, ${a.caseMean.toFixed(2)} s a case), ` +
          `concurrency ${options.concurrency} ${b.wall.toFixed(2)} s (${b.cpu.toFixed(2)} s CPU, ${b.caseMean.toFixed(2)} s a case); CPU pressure avg10 ${cpuPressure('avg10')} %\n`,
      );
    }
    pressure.after = cpuPressure();
    const wallOne = one.map((t) => t.wall);
    const wallMany = many.map((t) => t.wall);
    const cpuOne = median(one.map((t) => t.cpu));
    const cpuMany = median(many.map((t) => t.cpu));
    return {
      simulatedSecondsPerCase: durationMs / 1000,
      warmThreads: !options.cold,
      sequentialSeconds: wallOne.map(round3),
      parallelSeconds: wallMany.map(round3),
      sequentialMedianSeconds: round3(median(wallOne)),
      parallelMedianSeconds: round3(median(wallMany)),
      speedupOfMedians: Number((median(wallOne) / median(wallMany)).toFixed(2)),
      speedupBestOfEach: Number((Math.min(...wallOne) / Math.min(...wallMany)).toFixed(2)),
      /** CPU seconds of the whole sweep (every thread): equal CPU means the threads did not slow each other down. */
      cpuSeconds: { sequential: one.map((t) => round3(t.cpu)), parallel: many.map((t) => round3(t.cpu)), medianRatio: Number((cpuMany / cpuOne).toFixed(3)) },
      /** What the speed-up would be on cores of our own: cases over threads, at the CPU each way took. */
      speedupByCpu: Number(((options.concurrency * cpuOne) / cpuMany).toFixed(2)),
      caseSecondsMean: { sequential: round3(median(one.map((t) => t.caseMean))), parallel: round3(median(many.map((t) => t.caseMean))) },
      quietRounds: quietRounds.map((r) => ({ round: r + 1, speedup: Number((wallOne[r]! / wallMany[r]!).toFixed(2)) })),
      cpuPressureAvg60: pressure,
    };
  } finally {
    await pools?.one.close();
    await pools?.many.close();
  }
}

async function main(args: string[]): Promise<void> {
  const rounds = Number(flag(args, 'rounds', '3'));
  const cases = Number(flag(args, 'cases', '8'));
  const concurrency = Number(flag(args, 'concurrency', '2'));
  const durations = flag(args, 'durations', flag(args, 'duration', '20m,4h')).split(',');
  const cold = args.includes('--cold');
  const results = [];
  for (const duration of durations) results.push({ duration, ...(await measure(duration, { rounds, cases, concurrency, cold })) });
  const report = {
    benchmark: 'sweep speed-up',
    cases,
    concurrency,
    rounds,
    results,
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', loadAverage1m: Number(loadavg()[0]!.toFixed(2)), node: process.version },
  };
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  let text = `sweeps of ${cases} cases of the default scenario, ${rounds} rounds on ${report.machine.cores} cores, ${cold ? 'fresh' : 'warm'} worker threads:\n`;
  for (const r of results) {
    text +=
      `  ${r.duration} a case (${r.caseSecondsMean.sequential} s each one after another, ${r.caseSecondsMean.parallel} s each at concurrency ${concurrency}):\n` +
      `    one after another: median ${r.sequentialMedianSeconds} s (${r.sequentialSeconds.join(', ')}), CPU ${r.cpuSeconds.sequential.join(', ')} s\n` +
      `    concurrency ${concurrency}:    median ${r.parallelMedianSeconds} s (${r.parallelSeconds.join(', ')}), CPU ${r.cpuSeconds.parallel.join(', ')} s\n` +
      `    speed-up: ${r.speedupOfMedians}x (medians), ${r.speedupBestOfEach}x (best of each); CPU parallel/sequential ${r.cpuSeconds.medianRatio}, so ${r.speedupByCpu}x on idle cores\n` +
      `    rounds with the cores to ourselves: ${r.quietRounds.length === 0 ? 'none' : r.quietRounds.map((q) => `round ${q.round}: ${q.speedup}x`).join(', ')}; ` +
      `CPU pressure from other processes (PSI some avg60): ${r.cpuPressureAvg60.before} % before, ${r.cpuPressureAvg60.after} % after\n`;
  }
  process.stdout.write(text);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench-sweep: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
