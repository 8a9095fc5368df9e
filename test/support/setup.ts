/**
 * Runs before every test file (vitest.config.ts, setupFiles): starts the hang
 * watchdog thread of this test process (hang-watchdog.mjs), so that a test
 * stuck in a loop is reported with where it is stuck and what it was doing,
 * instead of hanging the run without a word.
 */
import { startHangWatchdog } from './hang-watchdog.mjs';

startHangWatchdog({ label: `a vitest worker (pid ${process.pid})` });
