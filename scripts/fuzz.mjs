#!/usr/bin/env node
// `npm run fuzz -- --time 10m [--seed N] [--only wire|free|model|scenarios] [--wire]`: runs the
// fuzzers for that long in all (after `npm run build`: worker threads run the compiled code), one
// after another, with one seed:
//   wire       a hostile guest's arbitrary and mutated packed bytes through the real wire decoder
//              and host, next to honest guests (test/fuzz/wire.test.ts);
//   free       free-running runs with hostile guests, crashes, delays and scheduled deliveries
//              (test/fuzz/free-run.test.ts);
//   model      the host's model-based test, command after command (test/host/hypervisor.model.test.ts);
//   scenarios  large random scenario documents through the CLI: clean audit or a clear refusal,
//              the same summary on workers, free-running runs, outputs (test/fuzz/scenarios.test.ts).
// Prints the seed first and last, pass or fail, with the line that replays the run, and what was
// executed: protocol commands (wire messages, free-running messages, model commands) and their
// rate, and whole runs. Exit code: vitest's (0: every property held).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../dist/model/units.js';
import { parseFlags } from './lib/flags.mjs';

/** Each part's share of the time when all run, and its test file. */
const PARTS = {
  wire: { share: 0.4, file: 'test/fuzz/wire.test.ts', what: 'wire messages', key: 'messages' },
  free: { share: 0.25, file: 'test/fuzz/free-run.test.ts', what: 'free-running messages', key: 'messages' },
  model: { share: 0.15, file: 'test/host/hypervisor.model.test.ts', what: 'model commands', key: 'commands', only: 'sequential model' },
  // Whole runs, not protocol commands: reported beside them, not added to them.
  scenarios: { share: 0.2, file: 'test/fuzz/scenarios.test.ts', what: 'scenarios run inline', key: 'inline runs', runs: true },
};

function usage(message) {
  process.stderr.write(
    `fuzz: ${message}\n` +
      'usage: npm run fuzz -- [--time 10m] [--seed N] [--only wire|free|model|scenarios] [--wire]\n' +
      '  --time   how long to fuzz in all (default 2m; units: ms, s, m, h)\n' +
      '  --seed   the seed (default: BALLOONSIM_SEED, else a fresh one, printed)\n' +
      '  --only   one part: wire (hostile bytes), free (free-running runs), model (host model commands),\n' +
      '           scenarios (large random scenarios through the CLI)\n' +
      '  --wire   the same as --only wire\n',
  );
  process.exit(2);
}

let timeText = '2m';
let seedText = process.env.BALLOONSIM_SEED;
let only = null;
parseFlags(
  process.argv.slice(2),
  {
    '--time': (value) => (timeText = value),
    '--seed': (value) => (seedText = value),
    '--only': (value) => (only = value),
    '--wire': () => (only = 'wire'),
  },
  usage,
  { help: 'fuzzing the protocol, the wire and free-running mode', switches: ['--wire'] },
);
let budgetMs;
try {
  budgetMs = parseDuration(timeText, '--time');
} catch (error) {
  usage(error.message);
}
if (!(budgetMs >= 5000)) usage(`--time must be at least 5s, got ${timeText}`);
if (only !== null && !(only in PARTS)) usage(`--only takes wire, free, model or scenarios, got ${JSON.stringify(only)}`);
const seed = seedText !== undefined && seedText.trim() !== '' ? Number(seedText) : (Date.now() ^ Math.floor(Math.random() * 2 ** 32)) | 0;
if (!Number.isSafeInteger(seed)) usage(`the seed must be an integer, got ${JSON.stringify(seedText)}`);

const chosen = only !== null ? [only] : Object.keys(PARTS);
const shareTotal = chosen.reduce((sum, part) => sum + PARTS[part].share, 0);
const env = { ...process.env, BALLOONSIM_SEED: String(seed) };
for (const part of chosen) env[`BALLOONSIM_FUZZ_${part.toUpperCase()}_MS`] = String(Math.floor((budgetMs * PARTS[part].share) / shareTotal));
delete env.BALLOONSIM_FUZZ_MS;
const dir = mkdtempSync(join(tmpdir(), 'balloonsim-fuzz-'));
env.BALLOONSIM_FUZZ_REPORT = join(dir, 'counts.jsonl');

const replay = `BALLOONSIM_SEED=${seed} npm run fuzz -- --time ${timeText}${only !== null ? ` --only ${only}` : ''}`;
const say = (text) => process.stdout.write(`fuzz: ${text}\n`);
say(`seed ${seed}; ${timeText} of ${chosen.map((part) => `${part} ${(Number(env[`BALLOONSIM_FUZZ_${part.toUpperCase()}_MS`]) / 1000).toFixed(0)} s`).join(', ')}`);
say(`replay: ${replay}   (free-running runs depend on thread timing: a replay repeats their scenarios and scheduler choices, not every interleaving)`);

const root = fileURLToPath(new URL('..', import.meta.url));
const files = chosen.map((part) => PARTS[part].file);
const filters = chosen.map((part) => PARTS[part].only).filter((name) => name !== undefined);
const vitestArgs = ['vitest', 'run', ...files, '--no-file-parallelism', `--testTimeout=${budgetMs + 300_000}`];
// The model test file holds examples too; the fuzz runs only its property (and all of the other files).
if (filters.length > 0 && chosen.length === 1) vitestArgs.push('-t', filters[0]);
// vitest's output goes to the terminal and to a log kept next to the counts, so that a failure's
// counterexample is never lost with the scrollback.
const logPath = join(tmpdir(), `balloonsim-fuzz-${seed}-${Date.now()}.log`);
const log = createWriteStream(logPath);
const started = performance.now();
const status = await new Promise((resolve) => {
  const child = spawn('npx', vitestArgs, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    stream.on('data', (chunk) => {
      out.write(chunk);
      log.write(chunk);
    });
  }
  child.on('close', (code) => resolve(code ?? 1));
});
await new Promise((resolve) => log.end(resolve));
const seconds = (performance.now() - started) / 1000;

let lines = [];
try {
  lines = readFileSync(env.BALLOONSIM_FUZZ_REPORT, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
} catch {
  // No counts: the run failed before any part finished.
}
rmSync(dir, { recursive: true, force: true });
let commands = 0;
let commandSeconds = 0;
let commandCpu = 0;
let wholeRuns = 0;
// CPU seconds (of the test process, its worker threads and the runs it spawns) beside wall seconds: on a machine
// shared with others, the wall-time rate says how busy the machine was as much as how fast the fuzzer is.
const perCpu = (done, cpu) => (cpu > 0 ? `, ${(done / cpu).toFixed(0)} per CPU second` : '');
for (const { part, seconds: partSeconds, cpuSeconds: partCpu = 0, counts } of lines) {
  const info = PARTS[part];
  const done = counts[info.key] ?? 0;
  const all = Object.entries(counts).map(([key, value]) => `${value} ${key}`).join(', ');
  if (info.runs) {
    // Whole runs take seconds each: a rate per second would read 0.
    wholeRuns += done;
    say(`${part}: ${done} ${info.what} in ${partSeconds.toFixed(1)} s (${partCpu.toFixed(1)} s of CPU); ${all}`);
    continue;
  }
  commands += done;
  commandSeconds += partSeconds;
  commandCpu += partCpu;
  say(`${part}: ${done} ${info.what} in ${partSeconds.toFixed(1)} s (${(done / partSeconds).toFixed(0)}/s; ${partCpu.toFixed(1)} s of CPU${perCpu(done, partCpu)}); ${all}`);
}
const ok = status === 0;
const protocolLine = commandSeconds > 0 ? `${commands} protocol commands in ${commandSeconds.toFixed(1)} s (${(commands / commandSeconds).toFixed(0)}/s; ${commandCpu.toFixed(1)} s of CPU${perCpu(commands, commandCpu)}), ` : '';
const runsLine = chosen.some((part) => PARTS[part].runs) ? `${wholeRuns} whole scenarios, ` : '';
say(
  `${protocolLine}${runsLine}${seconds.toFixed(0)} s with start-up: ` +
    (ok ? '0 violations: every property held' : 'FAILED: a property broke (its counterexample and replay line are above)'),
);
say(`seed ${seed}; replay: ${replay}`);
if (ok) rmSync(logPath, { force: true });
else say(`vitest's output is kept in ${logPath}`);
process.exit(status);
