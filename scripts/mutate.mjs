#!/usr/bin/env node
// `npm run mutate -- [--group table|device|checks|audit ...] [--file src/... ...] [--force] [--summary]`: mutation
// testing of the frame-handling code with StrykerJS (stryker.config.mjs lists the files, in groups).
// Each group runs on its own, one after another, with its own incremental results (a second run tests
// only mutants whose code or covering tests changed; --force tests all again) and its own report in
// reports/mutation/<group>/ (mutation.html, mutation.json). `--file` runs one file of a group (with the
// group's tests) instead, with incremental results of its own in reports/mutation/files/: a whole
// group can take hours on a busy machine, and Stryker keeps a run's results only when it ends.
// Prints, per group or file and in all, how many mutants ran, what became of them, the mutation
// score and how long it took. `--summary` runs nothing: it prints the same table from the reports the
// last `--file` run of each file left (every file of every group, or those named), and says which
// files have none.
// Exit code: 0 when every group ran and the score in all is at least 90 %, 1 otherwise.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { MUTATE_GROUPS } from '../stryker.config.mjs';
import { parseFlags } from './lib/flags.mjs';

const SCORE_WANTED = 90;
const GROUPS = Object.keys(MUTATE_GROUPS);

function usage(message) {
  process.stderr.write(
    `mutate: ${message}\n` +
      `usage: npm run mutate -- [--group ${GROUPS.join('|')}] [--file src/...] [--force] [--summary]\n` +
      '  --group    one group of files (may be given more than once; default: every group)\n' +
      '  --file     one file of a group, with its own incremental results (may be given more than once)\n' +
      '  --force    test every mutant again, not only those whose code or tests changed\n' +
      '  --summary  run nothing: the table of the last --file run of each file (all files, or those named)\n',
  );
  process.exit(2);
}

const groups = [];
/** `--file` runs: [group, file]. */
const files = [];
let force = false;
let summary = false;
parseFlags(
  process.argv.slice(2),
  {
    '--group': (value) => {
      for (const name of value.split(',')) {
        if (!GROUPS.includes(name)) usage(`unknown group ${JSON.stringify(name)}; the groups are ${GROUPS.join(', ')}`);
        if (!groups.includes(name)) groups.push(name);
      }
    },
    '--file': (value) => {
      const group = GROUPS.find((name) => MUTATE_GROUPS[name].includes(value));
      if (group === undefined) usage(`${JSON.stringify(value)} is in no group of stryker.config.mjs (MUTATE_GROUPS); name it as listed there, e.g. ${MUTATE_GROUPS.table[0]}`);
      if (!files.some(([, file]) => file === value)) files.push([group, value]);
    },
    '--force': () => {
      force = true;
    },
    '--summary': () => {
      summary = true;
    },
  },
  usage,
  { help: 'mutation testing of the frame-handling code', switches: ['--force', '--summary'] },
);
if (summary && (force || groups.length > 0)) usage('--summary reads the per-file reports: give it alone or with --file');
if (groups.length === 0 && files.length === 0) groups.push(...GROUPS);

/** Where a `--file` run keeps its incremental results. */
function fileIncremental(file) {
  return `reports/mutation/files/${file.replace(/^src\//, '').replace(/\.ts$/, '').replaceAll('/', '-')}.json`;
}

function runGroup(group, file) {
  return new Promise((resolve) => {
    const only = file === undefined ? [] : ['--mutate', file, '--incrementalFile', fileIncremental(file)];
    const args = ['stryker', 'run', 'stryker.config.mjs', ...only, ...(force ? ['--force'] : [])];
    const child = spawn('npx', args, { stdio: 'inherit', env: { ...process.env, BALLOONSIM_MUTATE_GROUP: group } });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Mutants per status in a mutation-testing-report JSON. */
function countStatuses(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const counts = {};
  for (const source of Object.values(report.files)) for (const mutant of source.mutants) counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
  return counts;
}

/** Adds a report's counts per status into `into`. */
function addCounts(into, counts) {
  for (const [status, count] of Object.entries(counts)) into[status] = (into[status] ?? 0) + count;
}

const STATUSES = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored'];

function score(counts) {
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  return valid === 0 ? 100 : (100 * detected) / valid;
}

function line(name, counts, seconds) {
  const mutants = STATUSES.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
  const parts = STATUSES.map((status) => `${counts[status] ?? 0} ${status.toLowerCase()}`).join(', ');
  const time = seconds === null ? '' : `, ${(seconds / 60).toFixed(1)} min`;
  return `${name}: ${mutants} mutants (${parts}); score ${score(counts).toFixed(1)} %${time}`;
}

/** `--summary`: the table of the per-file reports, without running Stryker. */
function printSummary() {
  const named = files.length > 0 ? files : GROUPS.flatMap((group) => MUTATE_GROUPS[group].map((file) => [group, file]));
  const sum = {};
  const missing = [];
  process.stdout.write('mutate: summary of the last --file run of each file\n');
  for (const [, file] of named) {
    const report = fileIncremental(file).replace(/\.json$/, '.mutation.json');
    if (!existsSync(report)) {
      missing.push(file);
      process.stdout.write(`  ${file}: no report (run \`npm run mutate -- --file ${file}\`)\n`);
      continue;
    }
    const counts = countStatuses(report);
    addCounts(sum, counts);
    process.stdout.write(`  ${line(file, counts, null)}; report ${report} (${statSync(report).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC)\n`);
  }
  process.stdout.write(`  ${line('in all', sum, null)}\n`);
  const enough = score(sum) >= SCORE_WANTED;
  if (missing.length > 0) process.stdout.write(`mutate: INCOMPLETE: ${missing.length} file(s) have no report\n`);
  else process.stdout.write(`mutate: ${enough ? 'at least' : 'BELOW'} ${SCORE_WANTED} %\n`);
  process.exit(missing.length > 0 || !enough ? 1 : 0);
}

if (summary) printSummary();

const total = {};
const lines = [];
let failed = false;
const started = performance.now();
const runs = [...groups.map((group) => [group, undefined]), ...files];
for (const [group, file] of runs) {
  const name = file ?? group;
  process.stdout.write(file === undefined ? `mutate: group ${group}: ${MUTATE_GROUPS[group].join(' ')}\n` : `mutate: ${file} (group ${group})\n`);
  const groupStarted = performance.now();
  // Stryker writes the report into the group's folder; an older one must not pass for this run's.
  const report = `reports/mutation/${group}/mutation.json`;
  rmSync(report, { force: true });
  const code = await runGroup(group, file);
  const seconds = (performance.now() - groupStarted) / 1000;
  if (code !== 0 || !existsSync(report)) {
    failed = true;
    lines.push(`${name}: stryker ended with exit code ${code}`);
    continue;
  }
  const counts = countStatuses(report);
  addCounts(total, counts);
  let html = `reports/mutation/${group}/mutation.html`;
  if (file !== undefined) {
    // The group's folder is the next run's: the file's reports go beside its incremental results.
    const base = fileIncremental(file).replace(/\.json$/, '');
    copyFileSync(report, `${base}.mutation.json`);
    copyFileSync(html, `${base}.mutation.html`);
    html = `${base}.mutation.html`;
  }
  lines.push(`${line(name, counts, seconds)}; report ${html}`);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`\nmutate: ${force ? 'every mutant' : 'incremental (mutants whose code and tests did not change keep their last result)'}\n`);
for (const text of lines) process.stdout.write(`  ${text}\n`);
process.stdout.write(`  ${line('in all', total, seconds)}\n`);
const reached = score(total) >= SCORE_WANTED;
if (failed) process.stdout.write('mutate: INCOMPLETE: a group did not run to its end (see above)\n');
else process.stdout.write(`mutate: ${reached ? 'at least' : 'BELOW'} ${SCORE_WANTED} %\n`);
process.exit(failed || !reached ? 1 : 0);
