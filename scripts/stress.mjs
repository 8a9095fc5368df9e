#!/usr/bin/env node
// `npm run stress -- --duration 60s [--scenario FILE] [--workers N] [--window N]`:
// a free-running run (no tick barrier) of examples/stress-free.yaml, or FILE,
// for that much wall time, with the concurrent auditor checking invariants 1
// and 2 all along. Prints what moved and how many checks the auditor made;
// exits 1 if any check failed.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { simulateFree } from '../dist/runtime/free/simulate-free.js';
import { loadScenarioFile } from '../dist/scenario/load.js';
import { parseDuration } from '../dist/model/units.js';
import { parseFlags } from './lib/flags.mjs';

function usage(message) {
  process.stderr.write(
    `stress: ${message}\nusage: npm run stress -- [--duration 60s] [--scenario FILE] [--workers N] [--window N]\n` +
      '  --duration   wall time to run (default 60s; units: ms, s, m, h)\n' +
      '  --scenario   a scenario file (default examples/stress-free.yaml)\n' +
      `  --workers    guest worker threads (default: available parallelism, ${availableParallelism()})\n` +
      '  --window     batches a worker may have in flight (default 4)\n',
  );
  process.exit(2);
}

const options = { duration: '60s', scenario: fileURLToPath(new URL('../examples/stress-free.yaml', import.meta.url)), workers: undefined, window: undefined };
parseFlags(
  process.argv.slice(2),
  {
    '--duration': (value) => (options.duration = value),
    '--scenario': (value) => (options.scenario = value),
    '--workers': (value) => (options.workers = Number(value)),
    '--window': (value) => (options.window = Number(value)),
  },
  usage,
  { help: 'a free-running stress run' },
);
let wallMs;
try {
  wallMs = parseDuration(options.duration, '--duration');
} catch (error) {
  usage(error.message);
}
for (const key of ['workers', 'window']) {
  if (options[key] !== undefined && !(Number.isSafeInteger(options[key]) && options[key] >= 1)) usage(`--${key} takes a whole number of at least 1`);
}
let scenario;
try {
  scenario = loadScenarioFile(options.scenario);
} catch (error) {
  process.stderr.write(`${typeof error.format === 'function' ? error.format() : error.message}\n`);
  process.exit(2);
}

process.stdout.write(`stress: ${scenario.name} (${scenario.guests.length} guests) free-running for ${options.duration} of wall time\n`);
const started = performance.now();
const ticker = setInterval(() => process.stdout.write(`stress: ${((performance.now() - started) / 1000).toFixed(0)} s ...\n`), 10_000);
let result;
try {
  result = await simulateFree(scenario, {
    wallLimitMs: wallMs,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.window !== undefined ? { window: options.window } : {}),
  });
} finally {
  clearInterval(ticker);
}
const { summary } = result;
const audit = summary.audit;
const concurrent = audit.concurrent;
const violations = summary.host.protocolViolations;
const lines = [
  `stress: ran ${result.runSeconds.toFixed(1)} s on ${summary.timing.threads} guest workers: ${summary.ticks} rounds every guest finished (host clock), ${result.batches} batches`,
  `  frames moved through the table: ${result.framesMoved} (${(result.framesMoved / result.runSeconds / 1e6).toFixed(2)} M/s)`,
  `  concurrent audit: ${concurrent.checks} checks in ${concurrent.sweeps} sweeps (${concurrent.tableEntriesChecked} table entries, ${concurrent.mappedPagesChecked} mapped pages; ` +
    `${concurrent.unstableChunks} chunks read again, ${concurrent.consistentGuestScans} whole-guest snapshots), ${concurrent.violations} violations`,
  `  final audit at the quiescent end: ${audit.fullChecks} full pass, ${audit.violations - concurrent.violations} violations`,
  `  protocol violations refused by the host: ${violations}; compare-exchanges that failed: ${summary.host.transferFailures}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (audit.violations > 0 || summary.host.transferFailures > 0) {
  process.stderr.write(`stress: FAILED:\n${audit.firstViolations.map((line) => `  ${line}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('stress: clean\n');
