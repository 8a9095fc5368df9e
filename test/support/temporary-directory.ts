/**
 * Temporary directories for tests that are removed when they are done with,
 * so that running the tests again and again does not fill the system's
 * temporary directory (a test file used to leave its directories there, some
 * of them 25 MiB, about 26 of them a run).
 *
 * A directory made inside a test (its body, or a beforeEach hook) is removed
 * when that test has finished, after its afterEach hooks; one made while the
 * file is collected (at the top level, in a describe) or in a beforeAll hook
 * is removed after the last afterAll hook of the file: this module registers
 * its afterAll hook when a test file imports it, before the file registers its
 * own, and vitest runs after-hooks in reverse order (sequence.hooks "stack").
 * Tests await the child processes that write in their directories, so none is
 * still writing when its directory goes.
 *
 * Under `isolate: false` (vitest.mutation.config.ts) a worker evaluates this
 * module once for all the test files it runs: the hook is registered only in
 * the first of them, and a directory another file makes outside its tests is
 * left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished, TestRunner } from 'vitest';

/** Directories made outside a test, removed when the test file ends. */
const directoriesOfTheFile: string[] = [];

afterAll(() => {
  for (const path of directoriesOfTheFile.splice(0)) removeDirectory(path);
});

/**
 * Makes a fresh directory `<tmpdir>/<prefix>XXXXXX` (mkdtempSync) and returns
 * its path; it is removed, with everything in it, when the test that made it
 * has finished, or when the test file ends if no test was running.
 */
export function temporaryDirectory(prefix: string): string {
  if (prefix === '' || prefix.includes('/')) {
    throw new Error(`temporaryDirectory: expected a prefix for a name in ${tmpdir()}, such as 'balloonsim-sweep-', got ${JSON.stringify(prefix)}`);
  }
  const path = mkdtempSync(join(tmpdir(), prefix));
  if (TestRunner.getCurrentTest() === undefined) directoriesOfTheFile.push(path);
  else onTestFinished(() => removeDirectory(path));
  return path;
}

function removeDirectory(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
