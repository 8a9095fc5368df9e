#!/usr/bin/env node
// `npm run fuzz -- --time 10m`: runs the free-running fuzz properties (test/fuzz) for
// that long in all, after `npm run build` (worker threads run the compiled code).
// Every failure prints its seed and a replay line; BALLOONSIM_SEED picks the seed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../dist/scenario/units.js';

function usage(message) {
  process.stderr.write(`fuzz: ${message}\nusage: npm run fuzz -- [--time 10m]   (default 2m; units: ms, s, m, h)\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let timeText = '2m';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--time') timeText = args[++i] ?? usage('--time needs a duration, for example --time 10m');
  else if (args[i].startsWith('--time=')) timeText = args[i].slice('--time='.length);
  else if (args[i] === '--help' || args[i] === '-h') usage('fuzzing free-running mode');
  else usage(`unknown argument ${JSON.stringify(args[i])}`);
}
let budgetMs;
try {
  budgetMs = parseDuration(timeText, '--time');
} catch (error) {
  usage(error.message);
}
if (!(budgetMs >= 1000)) usage(`--time must be at least 1s, got ${timeText}`);

const root = fileURLToPath(new URL('..', import.meta.url));
process.stdout.write(`fuzz: ${timeText} of free-running properties (test/fuzz); seed from BALLOONSIM_SEED or fresh, printed in the suite title\n`);
const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz', `--testTimeout=${budgetMs + 300_000}`], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BALLOONSIM_FUZZ_MS: String(budgetMs) },
});
process.exit(result.status ?? 1);
