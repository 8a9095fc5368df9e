/**
 * Runs before every test file (vitest.config.ts, setupFiles): starts the hang
 * watchdog thread of this test process (hang-watchdog.mjs), so that a test
 * stuck in a loop is reported with where it is stuck and what it was doing,
 * instead of hanging the run without a word.
 */
import { startHangWatchdog } from './hang-watchdog.mjs';

// Longer than a test's time limit (vitest.config.ts, 120 s): a synchronous test past it fails anyway once it returns;
// past 150 s of the main thread's CPU time (or 600 s of wall time: hang-watchdog.mjs) it is stuck. CPU time, because on a
// loaded machine a long inline run or a synchronous child process takes far longer in wall time than it burns.
startHangWatchdog({ hangMs: 150_000, label: `a vitest worker (pid ${process.pid})` });
