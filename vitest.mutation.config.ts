/**
 * The tests `npm run mutate` (stryker.config.mjs) runs against each mutant of
 * the frame-handling code: the tests that drive the host, its device sides and
 * the auditor in the test's own thread (inline placement, support/lockstep.ts,
 * support/inline-host.ts, support/wire-host.ts), where Stryker switches mutants
 * on. Tests whose host runs only on worker threads (the property tests of
 * test/property/invariants and placements, free-running mode) are left out:
 * they are slow, and their workers see a mutant only through the instrumented
 * build (test/mutation/worker-mutant.ts), which makes each of them a minute a
 * mutant. Tests that mix both placements are in, and their workers run the
 * mutant too.
 */
import { defineConfig } from 'vitest/config';
import FastFirstSequencer from './test/mutation/fast-first-sequencer.js';

/**
 * The auditor's own tests. The audit group's mutants run only these: the scans are the hot loops of every audit, and
 * instrumented, every lockstep test that audits each tick (all of test/host) would take minutes a mutant.
 */
const AUDIT_TESTS = ['test/audit/**/*.test.ts', 'test/property/broken-host.test.ts'];

export default defineConfig({
  test: {
    include: process.env.BALLOONSIM_MUTATE_GROUP === 'audit' ? AUDIT_TESTS : [...AUDIT_TESTS, 'test/host/**/*.test.ts', 'test/fuzz/wire.test.ts', 'test/messages/**/*.test.ts'],
    // Quick unit tests first: a mutant's run stops at its first failing test.
    sequence: { sequencer: FastFirstSequencer },
    // One module graph for every test file and every mutant run (the tests leave no state behind that another file
    // reads; Stryker switches mutants at run time): the imports are not paid again for each mutant.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The setup of every test process (as vitest.config.ts; its hang watchdog is off here, see env), and the active
    // mutant passed to worker threads.
    setupFiles: ['test/support/setup.ts', 'test/mutation/worker-mutant.ts'],
    env: {
      // One seed for every mutant (a property test that kills a mutant kills it again on the next run, and incremental
      // results stay valid); shrinking bounded, since only "killed or not" matters here.
      BALLOONSIM_SEED: '13',
      BALLOONSIM_SHRINK_MS: '2000',
      // A quarter of each property's runs: a surviving mutant runs every test that reaches it, ~1 800 times a full run.
      BALLOONSIM_RUNS_SCALE: '0.25',
      // No hang watchdog here: Stryker itself stops a mutant that loops for ever (its timeout, then a new test runner)
      // and counts it as detected. When the covering tests take longer than 150 s on a busy machine, the watchdog
      // fired first and killed the runner: Stryker took that for a crash, ran the mutant up to twice again (about
      // 3 minutes each) and then counted it as a runtime error, which is not detected.
      BALLOONSIM_HANG_MS: '0',
    },
  },
});
