/**
 * Runs in progress that can say where they are, for watchdogs: when a run
 * hangs (a test's run that never ends, a free-running host that hears no
 * batch, a thread stuck in a loop), whoever notices it asks every run in this
 * process to describe itself (its host tick, its guests' rounds, the batches
 * waiting) and prints that with the failure.
 *
 * The registry lives on `globalThis` under a `Symbol.for` key, so that every
 * copy of this module in the process (sources under test and the compiled
 * `dist/`) shares it, and a watchdog on another thread can read it through
 * the inspector while this thread is stuck (test/support/hang-watchdog.mjs).
 * Describing is only ever done on demand: a run pays nothing while it runs.
 */

/** Says where a run is, in a few lines of text. */
export type RunDescriber = () => string;

const REGISTRY_KEY = Symbol.for('balloonsim.runningRuns');

function registry(): Set<RunDescriber> {
  const holder = globalThis as { [REGISTRY_KEY]?: Set<RunDescriber> };
  holder[REGISTRY_KEY] ??= new Set();
  return holder[REGISTRY_KEY];
}

/** Registers a running run; call the returned function when it ends. */
export function watchRun(describe: RunDescriber): () => void {
  if (typeof describe !== 'function') throw new TypeError('watchRun: describe must be a function that returns text');
  const runs = registry();
  runs.add(describe);
  return () => {
    runs.delete(describe);
  };
}

/** Every running run's description, one block each (a describer that throws says so); empty when none runs. */
export function describeRunningRuns(): string {
  const blocks: string[] = [];
  for (const describe of registry()) {
    try {
      blocks.push(describe());
    } catch (error) {
      blocks.push(`(a run could not describe itself: ${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return blocks.join('\n');
}
