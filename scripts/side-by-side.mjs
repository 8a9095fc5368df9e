#!/usr/bin/env node
// `npm run bench:side -- COMMIT [--rounds N] [--keep] [-- ARGS...]`: the CPU time (user + system, every
// thread) and wall time of `balloonsim ARGS` in this checkout and in COMMIT, built in a temporary git
// worktree, run in turn round by round, in alternating order, so that a shared machine's noise falls on
// both alike. ARGS default to `run examples/dense-64.yaml --placement inline --quiet` (paths are this
// checkout's). This is how hot-path changes are measured (docs/benchmarks.md): ratios side by side, not
// single times; each round's ratio is printed, and their median and range with the ratio of the means.
//
// Each run is its own process; a preload (lib/cpu-at-exit.cjs) writes its CPU time at exit. The cost of
// a page fault on the machine is printed before and after the rounds (lib/fault-probe.cjs). Build
// this checkout first (`npm run build`). COMMIT gets this checkout's node_modules when the two
// package-lock.json files are the same, else its own `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from './lib/flags.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_ARGS_TEXT = 'run examples/dense-64.yaml --placement inline --quiet';
const DEFAULT_ARGS = ['run', join(root, 'examples/dense-64.yaml'), '--placement', 'inline', '--quiet'];

function usage(message) {
  process.stderr.write(
    `side-by-side: ${message}\nusage: npm run bench:side -- COMMIT [--rounds N] [--keep] [-- ARGS...]\n` +
      '  COMMIT     the tree to compare with (a commit, tag or branch of this repository)\n' +
      '  --rounds   rounds of one run of each tree (default 4)\n' +
      "  --keep     keep COMMIT's temporary worktree (its path is printed)\n" +
      `  ARGS       balloonsim's arguments (default: ${DEFAULT_ARGS_TEXT})\n`,
  );
  process.exit(2);
}

const dashes = process.argv.indexOf('--', 2);
const own = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes);
const args = dashes < 0 ? DEFAULT_ARGS : process.argv.slice(dashes + 1);
const commit = own[0] !== undefined && !own[0].startsWith('-') ? own.shift() : undefined;
const options = { rounds: 4, keep: false };
parseFlags(
  own,
  {
    '--rounds': (value) => (options.rounds = Number(value)),
    '--keep': () => (options.keep = true),
  },
  usage,
  { help: 'compares CPU time with another commit, side by side', switches: ['--keep'] },
);
if (commit === undefined) usage('say which commit to compare with');
if (!Number.isSafeInteger(options.rounds) || options.rounds < 1 || options.rounds > 100) usage(`--rounds must be a whole number from 1 to 100, got ${options.rounds}`);
if (!existsSync(join(root, 'dist/bundle/cli.js')) && !existsSync(join(root, 'dist/cli/main.js'))) usage('this checkout is not built: run `npm run build` first');

function git(...gitArgs) {
  return spawnSync('git', gitArgs, { cwd: root, encoding: 'utf8' });
}

const resolved = git('rev-parse', '--verify', '--quiet', `${commit}^{commit}`);
if (resolved.status !== 0) usage(`${JSON.stringify(commit)} is no commit of this repository (git rev-parse found nothing)`);
const hash = resolved.stdout.trim();
const short = hash.slice(0, 7);

/** Runs a command for the setup, failing with its output when it fails. */
function setupStep(what, command, commandArgs, cwd) {
  const result = spawnSync(command, commandArgs, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`side-by-side: ${what} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
    throw new Error(`${what} failed`);
  }
}

/** What a page fault costs on this machine now, in words (scripts/lib/fault-probe.cjs in a process of its own). */
function faultCost() {
  const run = spawnSync(process.execPath, [fileURLToPath(new URL('./lib/fault-probe.cjs', import.meta.url))], { encoding: 'utf8' });
  if (run.status !== 0) return `not measured (the probe exited ${run.status})`;
  const { microsPerPage } = JSON.parse(run.stdout);
  return `${microsPerPage.toFixed(1)} us a page`;
}

const work = mkdtempSync(join(tmpdir(), 'balloonsim-side-'));
const tree = join(work, short);
let failed = false;
try {
  process.stderr.write(`side-by-side: building ${short} in ${tree} ...\n`);
  setupStep(`git worktree add of ${short}`, 'git', ['worktree', 'add', '--detach', tree, hash], root);
  const sameLock = existsSync(join(tree, 'package-lock.json')) && readFileSync(join(tree, 'package-lock.json'), 'utf8') === readFileSync(join(root, 'package-lock.json'), 'utf8');
  if (sameLock) symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
  else setupStep(`npm ci in ${short}`, 'npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], tree);
  setupStep(`npm run build in ${short}`, 'npm', ['run', 'build'], tree);

  const trees = [
    { name: short, bin: join(tree, 'bin/balloonsim.js'), runs: [] },
    { name: 'this checkout', bin: join(root, 'bin/balloonsim.js'), runs: [] },
  ];
  const preload = fileURLToPath(new URL('./lib/cpu-at-exit.cjs', import.meta.url));
  const out = join(work, 'cpu.json');
  // The machine's cost of a page fault, before and after the series: on a virtual machine it moves every run's CPU time (lib/fault-probe.cjs).
  process.stdout.write(`first touch of memory before the rounds: ${faultCost()}\n`);
  for (let round = 1; round <= options.rounds; round++) {
    // The order alternates (A B, B A, ...): a machine getting busier or quieter during a series then weighs on both trees alike.
    const order = round % 2 === 1 ? trees : [...trees].reverse();
    for (const side of order) {
      rmSync(out, { force: true });
      const started = performance.now();
      const run = spawnSync(process.execPath, ['--require', preload, side.bin, ...args], {
        env: { ...process.env, BALLOONSIM_CPU_OUT: out },
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      const wallSeconds = (performance.now() - started) / 1000;
      if (run.status !== 0 || !existsSync(out)) {
        process.stderr.write(`side-by-side: balloonsim ${args.join(' ')} failed in ${side.name} (exit ${run.status}):\n${run.stderr}`);
        throw new Error('a measured run failed');
      }
      const { cpuSeconds } = JSON.parse(readFileSync(out, 'utf8'));
      side.runs.push({ cpuSeconds, wallSeconds });
    }
    const line = trees.map((side) => `${side.name} ${side.runs[round - 1].cpuSeconds.toFixed(2)} s CPU ${side.runs[round - 1].wallSeconds.toFixed(2)} s wall`);
    const ratio = trees[1].runs[round - 1].cpuSeconds / trees[0].runs[round - 1].cpuSeconds;
    process.stdout.write(`round ${round} (${order[0] === trees[0] ? short : 'this checkout'} first): ${line.join(' | ')} | ratio ${ratio.toFixed(2)}\n`);
  }
  const mean = (runs, key) => runs.reduce((sum, run) => sum + run[key], 0) / runs.length;
  const [before, now] = trees.map((side) => ({ cpu: mean(side.runs, 'cpuSeconds'), wall: mean(side.runs, 'wallSeconds') }));
  const ratios = trees[1].runs.map((run, i) => run.cpuSeconds / trees[0].runs[i].cpuSeconds).sort((a, b) => a - b);
  const middle = ratios.length >> 1;
  const median = ratios.length % 2 === 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
  process.stdout.write(
    `mean of ${options.rounds}: ${short} ${before.cpu.toFixed(2)} s CPU (${before.wall.toFixed(2)} s wall), this checkout ${now.cpu.toFixed(2)} s CPU (${now.wall.toFixed(2)} s wall): ` +
      `${(now.cpu / before.cpu).toFixed(2)} of ${short}'s CPU time (rounds' ratios: median ${median.toFixed(2)}, ${ratios[0].toFixed(2)} to ${ratios[ratios.length - 1].toFixed(2)})\n`,
  );
  process.stdout.write(`first touch of memory after the rounds: ${faultCost()}\n`);
} catch (error) {
  failed = true;
  process.stderr.write(`side-by-side: stopped: ${error instanceof Error ? error.message : String(error)}\n`);
} finally {
  if (options.keep) process.stderr.write(`side-by-side: kept ${tree}\n`);
  else {
    git('worktree', 'remove', '--force', tree);
    rmSync(work, { recursive: true, force: true });
    git('worktree', 'prune');
  }
}
process.exitCode = failed ? 1 : 0;
