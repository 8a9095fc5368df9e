/**
 * Fuzzing budgets and counts shared by the fuzz tests and `npm run fuzz`
 * (scripts/fuzz.mjs). In an ordinary test run a fuzz property runs a fixed,
 * short course; under `npm run fuzz` it runs for the time the script gives it
 * (BALLOONSIM_FUZZ_<PART>_MS) and reports what it did (runs, protocol
 * commands, messages) to the file BALLOONSIM_FUZZ_REPORT, one JSON line per
 * test file, which the script adds up and prints with rates. A time budget
 * says nothing about how much was tried; the counts do.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';

/** The parts of `npm run fuzz`: free-running runs, wire-level bytes, the host's model-based commands, whole scenario documents. */
export type FuzzPart = 'free' | 'wire' | 'model' | 'scenarios';

/** Milliseconds `npm run fuzz` gives this part, or null in an ordinary test run. */
export function fuzzBudgetMs(part: FuzzPart): number | null {
  const variable = `BALLOONSIM_FUZZ_${part.toUpperCase()}_MS`;
  // BALLOONSIM_FUZZ_MS: the free-running part's budget before there were parts.
  const text = process.env[variable] ?? (part === 'free' ? process.env.BALLOONSIM_FUZZ_MS : undefined);
  if (text === undefined || text.trim() === '') return null;
  const ms = Number(text);
  if (!(Number.isFinite(ms) && ms > 0)) throw new Error(`fuzzBudgetMs: ${variable} must be a positive number of milliseconds, got ${JSON.stringify(text)}`);
  return ms;
}

/**
 * The counts of one part in this test file, written when the file ends: one
 * line to stdout, and one JSON line to BALLOONSIM_FUZZ_REPORT when `npm run
 * fuzz` asked for it. Call at the top level of the test file (it registers
 * an afterAll hook).
 */
export function fuzzCounter(part: FuzzPart): (counts: Readonly<Record<string, number>>) => void {
  const total: Record<string, number> = {};
  let startedMs: number | null = null;
  let cpuAtStart: NodeJS.CpuUsage | null = null;
  let childrenAtStart = 0;
  // The runs' time, not the file's loading.
  beforeAll(() => {
    startedMs = performance.now();
    cpuAtStart = process.cpuUsage();
    childrenAtStart = childrenCpuSeconds();
  });
  afterAll(() => {
    if (Object.keys(total).length === 0 || startedMs === null || cpuAtStart === null) return;
    const seconds = (performance.now() - startedMs) / 1000;
    // CPU time of the whole process (its worker threads too) and of the runs it spawned: on a machine shared with
    // others the wall time says more about the others than about the fuzzer.
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6 + childrenCpuSeconds() - childrenAtStart;
    process.stdout.write(`fuzz ${part}: ${Object.entries(total).map(([key, value]) => `${value} ${key}`).join(', ')} in ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s of CPU)\n`);
    const file = process.env.BALLOONSIM_FUZZ_REPORT;
    if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify({ part, seconds, cpuSeconds, counts: total })}\n`);
  });
  return (counts) => {
    for (const [key, value] of Object.entries(counts)) total[key] = (total[key] ?? 0) + value;
  };
}

/**
 * CPU seconds of this process's child processes that have ended (Linux's
 * cutime and cstime, at 100 ticks a second; 0 where /proc is not there):
 * the scenario fuzzer runs the CLI in children.
 */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}
