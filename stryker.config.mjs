// @ts-check
/**
 * Mutation testing of the frame-handling code: `npm run mutate` (scripts/mutate.mjs; docs/development.md,
 * "Mutation testing").
 *
 * - `MUTATE_GROUPS`: the files whose mutants must be killed, as globs in groups (they follow the code when it moves).
 *   `npm run mutate -- --group audit` runs one group; each group keeps its own incremental results and report.
 * - Tests: vitest.mutation.config.ts, the tests that run the host in their own thread; perTest coverage runs only the
 *   tests that reach a mutant.
 * - Worker threads: `buildCommand` builds dist/ in Stryker's sandbox from the instrumented sources, and
 *   test/mutation/worker-mutant.ts hands the active mutant to the workers a test starts.
 * - Incremental: results are kept in reports/mutation/<group>/incremental.json (not committed), so that a second run
 *   tests only mutants whose code or covering tests changed. `npm run mutate -- --force` runs everything again.
 * - Mutants that no test can kill are marked in the source by a `// Stryker disable next-line <mutator>: <reason>`
 *   comment and listed, with the reason, in test/mutation/equivalent.md.
 */

/** The frame-handling files, by group. */
export const MUTATE_GROUPS = {
  // The frame table and its range moves, the runs grants are handed out in, and the manager's moves of free frames between shards.
  table: ['src/host/frame-table.ts', 'src/host/frame-moves.ts', 'src/host/frame-runs.ts', 'src/host/manager/shard-balance.ts'],
  // The per-guest device side: its pool, grants, take-back, VMware refusals.
  device: [
    'src/host/device/shard-pool.ts',
    'src/host/device/grants.ts',
    'src/host/device/frame-return.ts',
    'src/host/device/vmware-refusals.ts',
    'src/host/device/guest-device.ts',
  ],
  // The shape checks of every message a guest sends: the protocol table's entries and the host's lookup of them.
  checks: ['src/messages/guest-to-host.ts', 'src/messages/check-values.ts', 'src/host/device/message-checks.ts'],
  // The auditor: its scans (and their reads of the table and of page maps), the coordinator's and each thread's part,
  // the concurrent auditor's chunk checks.
  audit: [
    'src/audit/scans.ts',
    'src/audit/table-scans.ts',
    'src/audit/page-scans.ts',
    'src/audit/auditor.ts',
    'src/audit/thread-audit.ts',
    'src/audit/concurrent-check.ts',
  ],
};

const group = process.env.BALLOONSIM_MUTATE_GROUP ?? 'all';
if (group !== 'all' && !(group in MUTATE_GROUPS)) {
  throw new Error(`stryker.config.mjs: unknown group ${JSON.stringify(group)} in BALLOONSIM_MUTATE_GROUP (groups: ${Object.keys(MUTATE_GROUPS).join(', ')}, all)`);
}
const mutate = group === 'all' ? Object.values(MUTATE_GROUPS).flat() : MUTATE_GROUPS[/** @type {keyof typeof MUTATE_GROUPS} */ (group)];
const reports = `reports/mutation/${group}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.build.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  buildCommand: 'npx tsc -p tsconfig.build.json',
  mutate,
  coverageAnalysis: 'perTest',
  // Two cores shared by everyone: one test runner (and the type checker beside it).
  concurrency: 1,
  // A mutant that makes a loop endless is stopped this long after the covering tests' own time.
  timeoutMS: 5000,
  // The first run of every covering test, with coverage, on 2 busy cores (about 1 minute alone).
  dryRunTimeoutMinutes: 20,
  incremental: true,
  incrementalFile: `${reports}/incremental.json`,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `${reports}/mutation.html` },
  jsonReporter: { fileName: `${reports}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 95, low: 90, break: null },
  // One sandbox folder per group, so that two groups may run side by side.
  tempDirName: `.stryker-tmp/${group}`,
  // Not copied into a sandbox: the other groups' sandboxes and the reports.
  ignorePatterns: ['/.stryker-tmp', '/reports'],
  cleanTempDir: true,
};

export default config;
