/**
 * Seeds and replay for property tests (STYLE.md, "Learned from fast-check":
 * the seed is always visible and can be set from the environment).
 *
 * Use:
 *
 * ```ts
 * const params = propertyParams<[Op[]]>('ops keep the allocator exact', { numRuns: 200 });
 * describe(`allocator ${describeSeed(params.seed)}`, () => {
 *   it(params.name, () => assertProperty(fc.property(opsArb, (ops) => { ... }), params));
 * });
 * ```
 *
 * Environment:
 * - `BALLOONSIM_SEED`: the seed of every property in the run (otherwise one fresh seed per process).
 * - `BALLOONSIM_PATH`: fast-check's counterexample path, to replay a shrunk failure at once
 *   (use it together with `-t` so that only the failing property runs).
 * - `BALLOONSIM_RUNS_SCALE`: multiplies every property's `numRuns` (default 1; `10` for a soak).
 * - `BALLOONSIM_SHRINK_MS`: how long shrinking may run after the first failure (default 30 s; property-limits.ts).
 * - `BALLOONSIM_RUN_LIMIT_MS`: a single asynchronous run longer than this is reported as hung (default 60 s, or
 *   the property's own `runLimitMs`).
 *
 * A failure rethrown by `assertProperty` ends with a line that replays it:
 * `replay: BALLOONSIM_SEED=<seed> BALLOONSIM_PATH=<path> npx vitest run <file> -t '<test name>'`, after the
 * fuzz budgets that shaped the case when `npm run fuzz` set them (`shapingEnv`).
 */
import fc from 'fast-check';
import { expect, TestRunner } from 'vitest';

import { limitsPlugin, REPORT_MARGIN_MS, RUN_LIMIT_MS_DEFAULT, SHRINK_MS_DEFAULT, type LimitsOutcome, type PropertyLimits } from './property-limits.js';

/** fast-check parameters, plus the property's name for the replay line. */
export interface PropertyParams<Ts> extends fc.Parameters<Ts> {
  readonly name: string;
  readonly seed: number;
  readonly numRuns: number;
  /** A single run longer than this is reported as hung (default RUN_LIMIT_MS_DEFAULT; BALLOONSIM_RUN_LIMIT_MS overrides both). */
  readonly runLimitMs?: number;
}

/** Runs per property when the test does not say (fast-check's own default). */
const NUM_RUNS_DEFAULT = 100;

function readIntegerEnv(variable: string): number | undefined {
  const text = process.env[variable];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new Error(`propertyParams: ${variable} must be an integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

function readScaleEnv(): number {
  const text = process.env.BALLOONSIM_RUNS_SCALE;
  if (text === undefined || text.trim() === '') return 1;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`propertyParams: BALLOONSIM_RUNS_SCALE must be a positive number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * One seed per process, chosen when this module loads, so that a suite title
 * and every property in the file name the same seed. Test code, not simulated
 * code: it may read the clock.
 */
const processSeed: number = readIntegerEnv('BALLOONSIM_SEED') ?? (Date.now() ^ Math.floor(Math.random() * 0x1_0000_0000)) | 0;

/**
 * Parameters for `fc.assert`: the seed from BALLOONSIM_SEED (or this process's
 * fresh seed), the path from BALLOONSIM_PATH if set, `numRuns` (default 100)
 * scaled by BALLOONSIM_RUNS_SCALE. A failure prints its shrunk
 * counterexample, seed and path (pass `verbose` to also list the failures met
 * while shrinking). Other
 * fast-check parameters may be passed in `options`; seed and path come from
 * the environment only, so that every failure can be replayed the same way.
 */
export function propertyParams<Ts = unknown>(name: string, options: Omit<fc.Parameters<Ts>, 'seed' | 'path'> & { runLimitMs?: number } = {}): PropertyParams<Ts> {
  if (typeof name !== 'string' || name === '') throw new Error('propertyParams: name must be a non-empty string');
  const runsBase = options.numRuns ?? NUM_RUNS_DEFAULT;
  if (!Number.isSafeInteger(runsBase) || runsBase < 1) {
    throw new Error(`propertyParams: numRuns must be a positive integer, got ${runsBase}`);
  }
  const path = process.env.BALLOONSIM_PATH;
  return {
    verbose: fc.VerbosityLevel.None,
    ...options,
    name,
    seed: processSeed,
    numRuns: Math.max(1, Math.round(runsBase * readScaleEnv())),
    ...(path !== undefined && path !== '' ? { path } : {}),
  };
}

/** Text for a suite title: `(seed 1234, replay with BALLOONSIM_SEED=1234)`, plus the path when one is being replayed. */
export function describeSeed(seed: number): string {
  const path = process.env.BALLOONSIM_PATH;
  const replay = `BALLOONSIM_SEED=${seed}` + (path !== undefined && path !== '' ? ` BALLOONSIM_PATH=${path}` : '');
  return `(seed ${seed}, replay with ${replay})`;
}

/** Finds fast-check's `{ seed: S, path: "P" }` in a failure message. */
function seedAndPathOf(message: string): { seed: string; path: string } | null {
  const found = /seed: (-?\d+), path: "([^"]*)"/.exec(message);
  return found === null ? null : { seed: found[1]!, path: found[2]! };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The environment that changes what a property generates, as `NAME=value `
 * words: the budgets `npm run fuzz` gives its parts (BALLOONSIM_FUZZ_*_MS,
 * fuzz-report.ts), under which the fuzz tests draw larger cases than in an
 * ordinary run. Without them a path found under `npm run fuzz` does not
 * replay ("Unable to replay, got wrong path").
 */
export function shapingEnv(env: NodeJS.ProcessEnv = process.env): string {
  return Object.keys(env)
    .filter((name) => /^BALLOONSIM_FUZZ_(?:[A-Z]+_)?MS$/.test(name) && env[name] !== undefined && env[name] !== '')
    .sort()
    .map((name) => `${name}=${env[name]!} `)
    .join('');
}

/** The command line that replays `seed` (and `path`) of the current test. */
function replayLine(seed: string, path: string | null): string {
  const state = expect.getState();
  const file = state.testPath !== undefined ? state.testPath.replace(`${process.cwd()}/`, '') : '<test file>';
  const testName = state.currentTestName !== undefined ? ` -t ${shellQuote(escapeRegExp(lastTitle(state.currentTestName)))}` : '';
  return `replay: ${shapingEnv()}BALLOONSIM_SEED=${seed}${path !== null ? ` BALLOONSIM_PATH=${path}` : ''} npx vitest run ${file}${testName}`;
}

/** What the limits did, in a line for the failure (nothing when they did not cut anything). */
function limitsNote(outcome: LimitsOutcome, limits: PropertyLimits): string {
  if (!outcome.shrinkStopped) return '';
  return (
    (outcome.cutShort !== null ? `\n${outcome.cutShort}` : '') +
    `\nshrinking stopped after ${(outcome.shrinkMs / 1000).toFixed(1)} s (limit ${(limits.shrinkMs / 1000).toFixed(1)} s, or the test's time limit): ` +
    'the counterexample may not be the smallest; to shrink further, replay with BALLOONSIM_SHRINK_MS=600000 and --testTimeout=700000'
  );
}

/** The failure with a last line that replays it. */
function withReplayLine(error: unknown, params: PropertyParams<unknown>, note: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const found = seedAndPathOf(message);
  const replay = replayLine(found?.seed ?? String(params.seed), found?.path ?? null);
  // fast-check 4 keeps the property's own error as `cause` (and leaves it out of
  // the message); pass that on, not fast-check's error, whose long verbose
  // message vitest would print twice.
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const causeLine = cause instanceof Error ? `\nerror: ${cause.message}` : '';
  const wrapped = new Error(`property "${params.name}" failed${causeLine}\n${message}${note}\n${replay}`, cause !== undefined ? { cause } : {});
  if (error instanceof Error && error.stack !== undefined) wrapped.stack = `${wrapped.message}\n${error.stack.split('\n').slice(1).join('\n')}`;
  return wrapped;
}

/** vitest joins suite and test titles with " > "; `-t` matches a part of that, so the test's own title is enough. */
function lastTitle(fullName: string): string {
  const parts = fullName.split(' > ');
  return parts[parts.length - 1]!;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function readMsEnv(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`assertProperty: ${variable} must be a positive number of milliseconds, got ${JSON.stringify(text)}`);
  return value;
}

/** The limits of a property started now, within the current test's time limit (none outside a test). */
function limitsOfCurrentTest(runLimitMs: number): PropertyLimits {
  const test = TestRunner.getCurrentTest();
  const now = performance.now();
  // vitest's startTime is wall-clock (Date.now()); turn what is left of the test into a deadline on this clock.
  const startedMs = test?.result?.startTime ?? Date.now();
  const timeoutMs = test !== undefined && test.timeout > 0 ? test.timeout : Number.POSITIVE_INFINITY;
  const leftMs = timeoutMs - (Date.now() - startedMs) - REPORT_MARGIN_MS;
  return {
    deadlineMs: now + Math.max(1000, leftMs),
    shrinkMs: readMsEnv('BALLOONSIM_SHRINK_MS', SHRINK_MS_DEFAULT),
    runLimitMs: readMsEnv('BALLOONSIM_RUN_LIMIT_MS', runLimitMs),
  };
}

/**
 * `fc.assert(property, params)`, within the limits of property-limits.ts
 * (bounded shrinking, a per-run watchdog, the test's deadline), with a failure
 * rethrown so that its message ends with the command line that replays it.
 * Returns a promise for an async property.
 */
export function assertProperty<Ts>(property: fc.IAsyncProperty<Ts>, params: PropertyParams<Ts>): Promise<void>;
export function assertProperty<Ts>(property: fc.IProperty<Ts>, params: PropertyParams<Ts>): void;
export function assertProperty<Ts>(
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  params: PropertyParams<Ts>,
): void | Promise<void> {
  const { runLimitMs, ...fastCheckParams } = params;
  const widened = params as PropertyParams<unknown>;
  const limits = limitsOfCurrentTest(runLimitMs ?? RUN_LIMIT_MS_DEFAULT);
  const outcome: LimitsOutcome = { shrinkStopped: false, shrinkMs: 0, outOfTime: false, runsStarted: 0, cutShort: null };
  const describeRun = (path: string, value: unknown): string =>
    `property "${params.name}" (seed ${params.seed}), run ${path}, with:\n${fc.stringify(value)}\n${replayLine(String(params.seed), path)}`;
  const plugin = limitsPlugin(limits, params.path ?? '', outcome, describeRun);
  const checked = { ...fastCheckParams, plugins: [...(params.plugins ?? []), plugin] } as fc.Parameters<Ts>;
  const outOfTime = (): Error =>
    new Error(
      `property "${params.name}" ran out of its test's time limit after ${outcome.runsStarted} of ${params.numRuns} runs, without a failure ` +
        `(seed ${params.seed}); the machine is slow or the runs got slower: raise the test's timeout or lower numRuns` +
        `${outcome.cutShort !== null ? `\n${outcome.cutShort}` : ''}\n${replayLine(String(params.seed), null)}`,
    );
  try {
    if (property.isAsync()) {
      return fc.assert(property as fc.IAsyncProperty<Ts>, checked).then(
        () => {
          if (outcome.outOfTime) throw outOfTime();
        },
        (error: unknown) => {
          throw withReplayLine(error, widened, limitsNote(outcome, limits));
        },
      );
    }
    fc.assert(property as fc.IProperty<Ts>, checked);
  } catch (error) {
    throw withReplayLine(error, widened, limitsNote(outcome, limits));
  }
  if (outcome.outOfTime) throw outOfTime();
}
