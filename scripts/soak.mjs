#!/usr/bin/env node
// `npm run soak -- --duration 1h [--scenario FILE] [--every 1m] [--seed N] [--workers N]`:
// free-running stress with faults and hostile guests (examples/soak.yaml, or FILE) run again
// and again, each time with a new seed, for that much wall time. Every `--every` it prints
// what moved, the violations (which must stay 0) and the process's resident memory, with the
// slope of resident memory over the soak so far (which must not keep growing). docs/soak.md
// tells how to read it. Exit code 1 if any run broke an invariant, accepted an attack, or left
// a dead guest owning frames.
import { fileURLToPath } from 'node:url';
import { simulateFree } from '../dist/runtime/free/simulate-free.js';
import { loadScenarioFile } from '../dist/scenario/load.js';
import { parseDuration } from '../dist/model/units.js';
import { deriveSeed } from '../dist/util/random.js';
import { startHangWatchdog } from '../test/support/hang-watchdog.mjs';
import { parseFlags } from './lib/flags.mjs';

function usage(message) {
  process.stderr.write(
    `soak: ${message}\nusage: npm run soak -- [--duration 1h] [--scenario FILE] [--every 1m] [--seed N] [--workers N]\n` +
      '  --duration   wall time to soak (default 10m; units: ms, s, m, h)\n' +
      '  --scenario   the scenario run again and again (default examples/soak.yaml)\n' +
      '  --every      how often to report (default 1m)\n' +
      '  --seed       the soak\'s seed; run k uses a seed derived from it (default: the scenario\'s)\n' +
      '  --workers    guest worker threads (default 6: a killed worker takes a few guests, not half of them)\n',
  );
  process.exit(2);
}

const options = { duration: '10m', every: '1m', scenario: fileURLToPath(new URL('../examples/soak.yaml', import.meta.url)), seed: undefined, workers: undefined };
parseFlags(
  process.argv.slice(2),
  {
    '--duration': (value) => (options.duration = value),
    '--every': (value) => (options.every = value),
    '--scenario': (value) => (options.scenario = value),
    '--seed': (value) => (options.seed = Number(value)),
    '--workers': (value) => (options.workers = Number(value)),
  },
  usage,
  { help: 'free-running stress with faults and hostile guests, for a long time' },
);
let durationMs;
let everyMs;
try {
  durationMs = parseDuration(options.duration, '--duration');
  everyMs = parseDuration(options.every, '--every');
} catch (error) {
  usage(error.message);
}
if (!(everyMs >= 1000)) usage(`--every must be at least 1s, got ${options.every}`);
if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) usage('--seed takes an integer');
if (options.workers !== undefined && !(Number.isSafeInteger(options.workers) && options.workers >= 1)) usage('--workers takes a whole number of at least 1');
let scenario;
try {
  scenario = loadScenarioFile(options.scenario);
} catch (error) {
  process.stderr.write(`${typeof error.format === 'function' ? error.format() : error.message}\n`);
  process.exit(2);
}
const seed = options.seed ?? scenario.seed;

// A thread stuck in a loop is reported with where it is (test/support/hang-watchdog.mjs); a run whose
// workers go silent fails with where they were (simulateFree's stallMs).
startHangWatchdog({ hangMs: 120_000, label: 'npm run soak' });
const STALL_MS = 60_000;
const WORKERS_DEFAULT = 6;

const MiB = 2 ** 20;
/** The command that runs one of the soak's runs again (free-running runs depend on thread timing: the scenario, seed and faults repeat, not every interleaving). */
const replayOf = (runSeed) => `npx balloonsim run ${options.scenario} --mode free --workers ${options.workers ?? WORKERS_DEFAULT} --seed ${runSeed}`;
const totals = { runs: 0, rounds: 0, framesMoved: 0, messages: 0, batches: 0, violations: 0, protocolViolations: 0, attacksAccepted: 0, deadOwning: 0, crashes: 0, delayed: 0, livenessMissed: 0, livenessChecked: 0, quarantined: 0 };
const failures = [];
/**
 * (seconds, resident MiB) after each run, once its workers are gone (and a
 * garbage collection, when node runs with --expose-gc): the memory a leak
 * would show in, without the swing of worker threads coming and going.
 */
const samples = [];
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;

function formatTime(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return `${h > 0 ? `${h}h` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}m${String(s).padStart(2, '0')}s`;
}

/** Least-squares slope of resident memory in MiB per hour, over the samples after the first quarter (start-up, warming caches). */
function slopeMiBPerHour(points) {
  const tail = points.slice(Math.floor(points.length / 4));
  if (tail.length < 3) return null;
  const n = tail.length;
  const mt = tail.reduce((sum, [t]) => sum + t, 0) / n;
  const mr = tail.reduce((sum, [, r]) => sum + r, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, r] of tail) {
    num += (t - mt) * (r - mr);
    den += (t - mt) ** 2;
  }
  return den === 0 ? null : (num / den) * 3600;
}

function sampleBetweenRuns() {
  globalThis.gc?.();
  samples.push([elapsed(), process.memoryUsage().rss / MiB]);
}

function report(final) {
  const memory = process.memoryUsage();
  const rss = memory.rss / MiB;
  const between = samples.length > 0 ? samples[samples.length - 1][1] : null;
  const slope = slopeMiBPerHour(samples);
  const seconds = elapsed();
  process.stdout.write(
    `soak: ${formatTime(seconds)}${final ? ' (end)' : ''}: ${totals.runs} runs, ${totals.framesMoved.toExponential(3)} frames moved (${(totals.framesMoved / seconds / 1e6).toFixed(2)} M/s), ` +
      `${totals.messages} messages, violations ${totals.violations}, attacks accepted ${totals.attacksAccepted}, attacks refused ${totals.protocolViolations}, ` +
      `crashes ${totals.crashes}, liveness missed ${totals.livenessMissed} of ${totals.livenessChecked} checked; ` +
      `resident ${rss.toFixed(0)} MiB now (heap ${(memory.heapUsed / MiB).toFixed(0)} MiB), ${between === null ? 'no run ended yet' : `${between.toFixed(0)} MiB after the last run`}, ` +
      `slope ${slope === null ? 'n/a' : `${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MiB/h`}\n`,
  );
}

process.stdout.write(`soak: ${scenario.name} (${scenario.guests.length} guests, ${scenario.durationMs / 1000} s simulated per run) again and again for ${options.duration}, seed ${seed}, a report every ${options.every}\n`);
const ticker = setInterval(() => report(false), everyMs);
const deadline = started + durationMs;
try {
  while (performance.now() < deadline) {
    const runSeed = deriveSeed(seed, 'soak-run', String(totals.runs));
    const result = await simulateFree(scenario, {
      seed: runSeed,
      stallMs: STALL_MS,
      wallLimitMs: Math.max(1000, deadline - performance.now()),
      workers: options.workers ?? WORKERS_DEFAULT,
    });
    const { summary } = result;
    sampleBetweenRuns();
    totals.runs++;
    totals.rounds += summary.ticks;
    totals.framesMoved += result.framesMoved;
    totals.messages += result.messages;
    totals.batches += result.batches;
    totals.violations += summary.audit.violations + summary.host.transferFailures;
    totals.protocolViolations += summary.host.protocolViolations;
    totals.quarantined += summary.host.quarantinedGuests;
    const faults = summary.faults;
    if (faults !== undefined) {
      totals.crashes += faults.crashes.length;
      totals.delayed += faults.delayedBatches;
      if (faults.liveness.checked) {
        totals.livenessChecked++;
        totals.livenessMissed += faults.liveness.missed.length > 0 ? 1 : 0;
      }
    }
    for (const guest of summary.guests) {
      totals.attacksAccepted += guest.hostile?.attacksAccepted ?? 0;
      if (!guest.alive && guest.residentBytes > 0) totals.deadOwning++;
    }
    const broke = summary.audit.violations > 0 || summary.host.transferFailures > 0 || summary.guests.some((g) => (g.hostile?.attacksAccepted ?? 0) > 0 || (!g.alive && g.residentBytes > 0));
    if (broke && failures.length < 5) failures.push({ run: totals.runs, seed: runSeed, lines: summary.audit.firstViolations.slice(0, 5) });
    if (faults !== undefined && faults.liveness.missed.length > 0) {
      process.stdout.write(
        `soak: run ${totals.runs} (seed ${runSeed}): liveness missed: ${faults.liveness.missed.map((m) => `${m.guest} at ${(m.actualBytes / MiB).toFixed(1)} of ${(m.targetBytes / MiB).toFixed(1)} MiB${m.targetChanges > 0 ? ` (its target changed ${m.targetChanges} times in the phase)` : ''}`).join(', ')} by the deadline; replay: ${replayOf(runSeed)}\n`,
      );
    }
  }
} catch (error) {
  clearInterval(ticker);
  process.stderr.write(`soak: a run failed after ${formatTime(elapsed())} (run ${totals.runs + 1}, seed ${deriveSeed(seed, 'soak-run', String(totals.runs))}): ${error?.message ?? error}\n`);
  process.exit(1);
}
clearInterval(ticker);
report(true);
const slope = slopeMiBPerHour(samples);
process.stdout.write(
  `soak: ${totals.runs} runs in ${formatTime(elapsed())}: ${totals.rounds} rounds, ${totals.batches} batches, ${totals.framesMoved} frames moved, ${totals.messages} messages, ` +
    `${totals.crashes} crashes, ${totals.delayed} batches delayed, ${totals.quarantined} guests quarantined\n` +
    `soak: resident memory after runs: first ${samples[0]?.[1].toFixed(0) ?? '-'} MiB, lowest ${Math.min(...samples.map(([, r]) => r)).toFixed(0)} MiB, highest ${Math.max(...samples.map(([, r]) => r)).toFixed(0)} MiB, last ${samples.at(-1)?.[1].toFixed(0) ?? '-'} MiB; ` +
    `slope over the last three quarters ${slope === null ? 'n/a (too few runs)' : `${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MiB/h`}\n`,
);
if (failures.length > 0 || totals.violations > 0 || totals.attacksAccepted > 0 || totals.deadOwning > 0) {
  process.stderr.write(`soak: FAILED: ${totals.violations} violations, ${totals.attacksAccepted} attacks accepted, ${totals.deadOwning} dead guests owning frames\n`);
  for (const failure of failures) process.stderr.write(`  run ${failure.run} (seed ${failure.seed}; replay: ${replayOf(failure.seed)}):\n${failure.lines.map((line) => `    ${line}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('soak: clean: 0 violations\n');
