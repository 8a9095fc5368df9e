/**
 * Runs before every test file (vitest.config.ts, setupFiles): starts the hang
 * watchdog thread of this test process (hang-watchdog.mjs), so that a test
 * stuck in a loop is reported with where it is stuck and what it was doing,
 * instead of hanging the run without a word.
 */
import { startHangWatchdog } from './hang-watchdog.mjs';

// Longer than a test's time limit (vitest.config.ts, 120 s): a synchronous test past it fails anyway once it returns;
// past this it is stuck.
startHangWatchdog({ hangMs: 150_000, label: `a vitest worker (pid ${process.pid})` });
