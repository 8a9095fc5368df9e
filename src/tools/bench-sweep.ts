/**
 * `npm run bench:sweep`: how much faster a sweep runs with concurrency 2 than
 * one case after another. The sweep is 8 cases of the built-in default
 * scenario (seeds 1 to 8, its full 20 simulated minutes), each case run
 * inline in a piscina worker thread. Both ways are timed `--rounds` times,
 * alternating, and the medians compared.
 *
 *   node dist/tools/bench-sweep.js [--rounds 3] [--cases 8] [--duration 20m] [--concurrency 2] [--json]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseDuration } from '../scenario/units.js';
import { expandGrid } from '../sweep/grid.js';
import { sweep } from '../sweep/sweep.js';

function flag(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall seconds, and CPU seconds of every thread of this process. */
async function timed(run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await run();
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: (performance.now() - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

/** Linux's CPU pressure (`some`, percent, over 10 s or 60 s): how much others compete for the cores. */
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

async function main(args: string[]): Promise<void> {
  const rounds = Number(flag(args, 'rounds', '3'));
  const cases = Number(flag(args, 'cases', '8'));
  const concurrency = Number(flag(args, 'concurrency', '2'));
  const durationMs = parseDuration(flag(args, 'duration', '20m'), '--duration');
  const grid = expandGrid({ name: 'bench', base: 'default', durationMs, parameters: { seed: Array.from({ length: cases }, (_, i) => i + 1) } }, { source: 'bench' });
  const sequential: number[] = [];
  const parallel: number[] = [];
  const cpuSeconds = { sequential: [] as number[], parallel: [] as number[] };
  const pressureBefore = cpuPressure();
  const quietRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const quietBefore = (cpuPressure('avg10') ?? 0) < QUIET_PRESSURE;
    const one = await timed(() => sweep(grid, { concurrency: 1 }));
    const many = await timed(() => sweep(grid, { concurrency }));
    if (quietBefore) quietRounds.push(round);
    sequential.push(one.wall);
    parallel.push(many.wall);
    cpuSeconds.sequential.push(Number(one.cpu.toFixed(2)));
    cpuSeconds.parallel.push(Number(many.cpu.toFixed(2)));
    process.stderr.write(
      `round ${round + 1}/${rounds}: one after another ${one.wall.toFixed(2)} s (${one.cpu.toFixed(2)} s CPU), ` +
        `concurrency ${concurrency} ${many.wall.toFixed(2)} s (${many.cpu.toFixed(2)} s CPU)\n`,
    );
  }
  const result = {
    benchmark: 'sweep speed-up',
    cases,
    simulatedSecondsPerCase: durationMs / 1000,
    concurrency,
    rounds,
    sequentialSeconds: sequential.map((s) => Number(s.toFixed(3))),
    parallelSeconds: parallel.map((s) => Number(s.toFixed(3))),
    sequentialMedianSeconds: Number(median(sequential).toFixed(3)),
    parallelMedianSeconds: Number(median(parallel).toFixed(3)),
    speedupOfMedians: Number((median(sequential) / median(parallel)).toFixed(2)),
    speedupBestOfEach: Number((Math.min(...sequential) / Math.min(...parallel)).toFixed(2)),
    /** Rounds that started with no competition for the cores (Linux PSI avg10 under 10 %), and their speed-ups. */
    quietRounds: quietRounds.map((r) => ({ round: r + 1, speedup: Number((sequential[r]! / parallel[r]!).toFixed(2)) })),
    cpuSeconds,
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
      /** Percent of time some task waited for a core (Linux PSI, avg60), before and after: high means others were competing. */
      cpuPressureAvg60: { before: pressureBefore, after: cpuPressure() },
      node: process.version,
    },
  };
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `sweep of ${cases} cases (default scenario, ${durationMs / 1000} simulated s each), ${rounds} rounds on ${result.machine.cores} cores:\n` +
        `  one after another: median ${result.sequentialMedianSeconds} s (${result.sequentialSeconds.join(', ')})\n` +
        `  concurrency ${concurrency}:    median ${result.parallelMedianSeconds} s (${result.parallelSeconds.join(', ')})\n` +
        `  speed-up: ${result.speedupOfMedians}x (medians), ${result.speedupBestOfEach}x (best of each)\n` +
        `  rounds with the cores to ourselves: ${result.quietRounds.length === 0 ? 'none' : result.quietRounds.map((q) => `round ${q.round}: ${q.speedup}x`).join(', ')}\n` +
        `  CPU pressure from other processes (PSI some avg60): ${result.machine.cpuPressureAvg60.before} % before, ${result.machine.cpuPressureAvg60.after} % after\n`,
    );
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench-sweep: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
