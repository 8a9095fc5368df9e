/**
 * Runs before every test file of a mutation run (vitest.mutation.config.ts),
 * after Stryker's own setup, which sets the active mutant in this thread's
 * `globalThis.__stryker__` in a `beforeAll`. Worker threads do not share
 * that global: the instrumented code reads the active mutant from the
 * environment variable `__STRYKER_ACTIVE_MUTANT__` when its own global has
 * none, and a worker thread starts with a copy of its parent's environment.
 * So the mutant is copied there before each test, and the workers a test
 * starts (whose code is the sandbox's dist/, built from the instrumented
 * sources by stryker.config.mjs's buildCommand) run the same mutant.
 *
 * Outside a mutation run (no `__stryker__` global) this does nothing.
 */
import { beforeEach } from 'vitest';

const ACTIVE_MUTANT_VARIABLE = '__STRYKER_ACTIVE_MUTANT__';

beforeEach(() => {
  const namespace = (globalThis as { __stryker__?: { activeMutant?: unknown } }).__stryker__;
  const active = namespace?.activeMutant;
  if (active === undefined || active === null) delete process.env[ACTIVE_MUTANT_VARIABLE];
  else process.env[ACTIVE_MUTANT_VARIABLE] = String(active);
});
