import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that need headless Chromium run with `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/browser/**'],
    // Property tests start real worker threads; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A hang watchdog thread in every test process (test/support/hang-watchdog.mjs).
    setupFiles: ['test/support/setup.ts'],
  },
});
