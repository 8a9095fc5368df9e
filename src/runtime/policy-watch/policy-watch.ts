/**
 * The watch on users' policy code for one run. A policy module's methods
 * (createPolicy, decide, observe, reclaim), and its top-level code as it is
 * imported (host/manager/policies/module-load.ts), run on the run's own thread; one
 * that never returns would hang the run without a word (Ctrl-C still kills
 * it). With the watch, such a call is stopped once it has used the limit of
 * CPU time (10 s unless the run's options or BALLOONSIM_POLICY_CALL_LIMIT
 * say otherwise), and the run rejects with a PolicyError that names the
 * module, the method, the simulated time and how long the call ran.
 *
 * Cost: nothing for a scenario without policy modules. With them, one small
 * watchdog thread for the run (watch-thread.ts), and a few stores around each
 * call into the module (call-marks.ts): about 22 ns a call, measured on
 * ModulePolicy.decide. Guarding each call with `vm`'s timeout instead costs
 * 66 to 86 µs a call (Node starts a watchdog thread for each).
 *
 * Stopping a call unwinds all the JavaScript of the task that made it, and
 * V8 drops the microtasks queued in that task: the run's own are gone with
 * it, and so are any other code's of that moment (why the stream wakes its
 * reader from a task of its own: api/stream.ts).
 *
 * Where the watch reaches:
 * - A run on the main thread (the command line, the library called from the
 *   main thread): the watchdog thread stops the call through the inspector.
 * - A sweep's case (a worker thread of the sweep's pool): the run only marks
 *   its calls, in a buffer the sweep's coordinator gave it; the coordinator
 *   watches them and ends the case's thread (src/sweep/case-watch.ts).
 * - A run the library is asked for on another worker thread is not watched:
 *   no other thread can stop that one's JavaScript.
 *
 * A stopped run's own code never goes on (its stack was unwound), so its
 * promise would never settle: the run races the watch's `stopped` promise,
 * and what it must close (its placement's workers, its timers) it registers
 * with `onStop`, which the watch closes when it stops the run.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import type { PolicyCallGate } from '../../host/policy/policy-calls.js';
import { policyModulePaths, type ModuleLoadWatch } from '../../host/manager/policies/index.js';
import type { Scenario } from '../../model/scenario.js';
import { compiledFile } from '../../util/built-file.js';
import { UnitError } from '../../model/unit-error.js';
import { parseDuration } from '../../model/units.js';
import { PolicyCallMarks } from './call-marks.js';
import { POLICY_CALL_LIMIT_ENV, stuckCallError } from './stuck-call-error.js';
import type { WatchThreadInput, WatchThreadMessage } from './watch-protocol.js';

/** CPU time one call into a policy module may use unless told otherwise. */
export const POLICY_CALL_LIMIT_MS_DEFAULT = 10_000;

/**
 * The limit of one call: `option` (ms) when given, else BALLOONSIM_POLICY_CALL_LIMIT
 * (a duration), else the default. 0 means no watch.
 *
 * @throws RangeError when `option` is not a number of at least 0
 * @throws UnitError when the environment variable is set but is not a duration
 */
export function policyCallLimitMs(option: number | undefined, what: string, env: Readonly<Record<string, string | undefined>> = process.env): number {
  if (option !== undefined) {
    if (typeof option !== 'number' || !Number.isFinite(option) || option < 0) {
      throw new RangeError(`${what}: policyCallLimitMs must be a number of milliseconds, at least 0 (0: calls are not watched), got ${String(option)}`);
    }
    return option;
  }
  const text = env[POLICY_CALL_LIMIT_ENV]?.trim();
  if (text === undefined || text === '') return POLICY_CALL_LIMIT_MS_DEFAULT;
  try {
    return parseDuration(text, POLICY_CALL_LIMIT_ENV);
  } catch (error) {
    if (error instanceof UnitError) throw new UnitError(POLICY_CALL_LIMIT_ENV, error.reason, 'write the CPU time one call into a policy module may take, such as 10s or 500ms; 0s turns the watch off');
    throw error;
  }
}

/** What a run under watch is given: the gate for its memory manager, and where to leave what must be closed if it is stopped. */
export interface WatchedRun {
  /** Where module policies say that they call into the user's code (undefined: the calls are not watched). */
  readonly calls: PolicyCallGate | undefined;
  /** The limit of one call in ms, when the run knows it (0: no watch); loading a module may take as long, in wall time. */
  readonly limitMs: number | undefined;
  /** Registers what must be closed if the watch stops the run: its own finally blocks never run then. */
  onStop(close: () => Promise<void> | void): void;
}

export interface PolicyWatchOptions {
  /** CPU time one call may use, in ms (0: no watch); default: BALLOONSIM_POLICY_CALL_LIMIT, or 10 s. */
  limitMs?: number;
  /** The marks' buffer of a watcher on another thread (a sweep's coordinator): the run marks its calls there and starts no thread. */
  marks?: SharedArrayBuffer;
}

/** How a watched run watches the loading of its policy modules: the import is a call, and it may take the limit of one in wall time. */
export function moduleLoadWatch(watched: WatchedRun): ModuleLoadWatch {
  return { ...(watched.calls !== undefined ? { gate: watched.calls } : {}), ...(watched.limitMs !== undefined ? { waitMs: watched.limitMs } : {}) };
}

const UNWATCHED: WatchedRun = { calls: undefined, limitMs: undefined, onStop: () => {} };

/**
 * Runs `body` with the calls into the scenario's policy modules watched
 * (see the file's comment). `what` names the caller in errors.
 */
export async function watchPolicyCalls<T>(scenario: Scenario, options: PolicyWatchOptions, what: string, body: (run: WatchedRun) => Promise<T>): Promise<T> {
  const modulePaths = policyModulePaths(scenario);
  if (modulePaths.length === 0) return body(UNWATCHED);
  if (options.marks !== undefined) {
    const marks = new PolicyCallMarks(modulePaths, options.marks);
    marks.attach();
    return body({ calls: marks, limitMs: undefined, onStop: () => {} });
  }
  const limitMs = policyCallLimitMs(options.limitMs, what);
  if (limitMs === 0 || !isMainThread) return body({ ...UNWATCHED, limitMs });
  const watch = new PolicyWatch(modulePaths, limitMs, scenario.tickMs);
  // After a stop, the run may still fail on its own before the watchdog's message comes (a call refused by the
  // marks): the watch's error, which says what was stopped, is the one to give.
  const run = body(watch).catch((error: unknown) => (watch.calls.stopped ? watch.stopped : Promise.reject(error)));
  try {
    return await Promise.race([run, watch.stopped]);
  } finally {
    await watch.close();
  }
}

/** The compiled watchdog thread: beside this file in dist/, or in dist/runtime/policy-watch from the bundled command line or the sources. */
export function watchThreadPath(): string {
  const here = new URL(import.meta.url);
  const relative = here.pathname.endsWith('.ts') ? '../../../dist/runtime/policy-watch/' : here.pathname.endsWith('.cjs') ? '../runtime/policy-watch/' : './';
  return compiledFile(new URL(`${relative}watch-thread.js`, here), 'the policy watchdog');
}

/** One run's watch on the main thread: its call marks and its watchdog thread. */
class PolicyWatch implements WatchedRun {
  readonly calls: PolicyCallMarks;
  readonly limitMs: number;
  /** Rejects with the run's error when the watchdog stopped a call (or failed); never resolves. */
  readonly stopped: Promise<never>;
  private readonly worker: Worker;
  private readonly closers: Array<() => Promise<void> | void> = [];
  private hasStopped = false;

  constructor(modulePaths: string[], limitMs: number, tickMs: number) {
    const path = watchThreadPath();
    this.limitMs = limitMs;
    this.calls = new PolicyCallMarks(modulePaths);
    this.calls.attach();
    const input: WatchThreadInput = { marks: this.calls.buffer, modulePaths, limitMs };
    // Referenced (not unref'd): once a call is stopped, the run's own work may have nothing left to keep the process alive
    // until the message comes. Not the parent's flags (loaders, --import): the thread is plain compiled JavaScript.
    this.worker = new Worker(path, { workerData: input, execArgv: [] });
    this.stopped = new Promise<never>((_, reject) => {
      const fail = (error: Error): void => {
        this.hasStopped = true;
        reject(error);
      };
      this.worker.on('message', (message: WatchThreadMessage) => {
        switch (message.type) {
          case 'stopped':
            fail(stuckCallError(message.stuck, limitMs, tickMs, message.stoppedAt));
            return;
          case 'failed':
            fail(Object.assign(new Error(message.error.message), { code: message.error.code }));
            return;
          default:
            fail(new Error(`the policy watchdog sent an unknown message: ${JSON.stringify(message)}`));
        }
      });
      this.worker.on('error', (error) => fail(new Error(`the policy watchdog failed: ${error.message}`)));
    });
    // A run that ends without being stopped never looks at it.
    this.stopped.catch(() => undefined);
  }

  onStop(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  /** Ends the watchdog thread; if the run was stopped, closes what it registered (errors there are not the run's error). */
  async close(): Promise<void> {
    await this.worker.terminate();
    if (!this.hasStopped) return;
    for (const close of this.closers.splice(0)) {
      try {
        await close();
      } catch {
        // The run has failed already; what did not close cleanly goes with it.
      }
    }
  }
}
