/**
 * Importing a user's policy module, which runs its top-level code. That code
 * may never finish: it awaits something that never settles, or it loops.
 * Node says nothing of either. With nothing left to run, the process just
 * ends (exit 0 and no output, as if `validate` or `run` had succeeded);
 * while anything else keeps it alive (a run's watchdog thread, a program
 * that uses the library) it waits for ever. So the import races the event
 * loop running dry ('beforeExit': nothing is left that could settle it) and
 * a limit of wall time; and when the run watches its calls into policy code,
 * the import is one of them ('load'), so that top-level code that loops is
 * stopped as a `decide` that loops would be.
 */
import { pathToFileURL } from 'node:url';
import { formatDuration } from '../../../model/units.js';
import { importModule } from '../../../util/import-module.js';
import type { PolicyCallGate } from '../../policy/policy-calls.js';
import { PolicyError } from '../../policy/policy-error.js';

/** How a run watches the loading of its policy modules. */
export interface ModuleLoadWatch {
  /** Where the import is marked as a call into the module's code (its top-level code), when the run watches calls. */
  gate?: PolicyCallGate;
  /** Wall time a module may take to load, in ms (0: no limit); default POLICY_LOAD_WAIT_MS_DEFAULT. */
  waitMs?: number;
}

/** The wall time a module may take to load unless the run says otherwise (the default limit of one call). */
export const POLICY_LOAD_WAIT_MS_DEFAULT = 10_000;

/** Imports the module at `path` (its namespace); a module that does not finish loading is a PolicyError. */
export async function importPolicyModule(path: string, watch: ModuleLoadWatch = {}): Promise<Record<string, unknown>> {
  const waitMs = watch.waitMs ?? POLICY_LOAD_WAIT_MS_DEFAULT;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onDry: (() => void) | undefined;
  const stalled = new Promise<never>((_, reject) => {
    onDry = () =>
      reject(
        new PolicyError(
          `the policy module ${path} did not finish loading: its top-level code awaits something that never settles (nothing was left to run that could settle it). ` +
            'Look for a top-level await of a promise that nothing resolves',
        ),
      );
    process.once('beforeExit', onDry);
    if (waitMs > 0) {
      timer = setTimeout(
        () =>
          reject(
            new PolicyError(
              `the policy module ${path} is still loading after ${formatDuration(waitMs)} (the limit of one call into a policy module): ` +
                'does its top-level code await something that never settles? If it only needs longer, raise the limit: BALLOONSIM_POLICY_CALL_LIMIT=60s, or the policyCallLimitMs option',
            ),
          ),
        waitMs,
      );
      // The limit alone keeps nothing alive: with nothing else left to run, 'beforeExit' says so at once.
      timer.unref();
    }
  });
  const code = watch.gate?.codeOf(path, 'load');
  if (code !== undefined) watch.gate!.enter(code, 0);
  try {
    return (await Promise.race([importModule(pathToFileURL(path).href), stalled])) as Record<string, unknown>;
  } finally {
    if (code !== undefined) watch.gate!.leave();
    clearTimeout(timer);
    process.off('beforeExit', onDry!);
  }
}
