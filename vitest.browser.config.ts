import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: report pages in headless Chromium (Debian's chromium package). CI installs it and runs these. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
