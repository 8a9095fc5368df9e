/**
 * A failing property explains itself within its test's time
 * (property-limits.ts): shrinking is bounded and still ends with the
 * counterexample and a replay line that really replays it; a run that hangs
 * fails with where the simulations were; a property that runs out of time
 * says so.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { watchRun } from '../../src/runtime/run-watch.js';
import { assertProperty, propertyParams, shapingEnv } from './fc.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const saved = { shrink: process.env.BALLOONSIM_SHRINK_MS, runLimit: process.env.BALLOONSIM_RUN_LIMIT_MS, wire: process.env.BALLOONSIM_FUZZ_WIRE_MS };

afterEach(() => {
  for (const [variable, value] of [
    ['BALLOONSIM_SHRINK_MS', saved.shrink],
    ['BALLOONSIM_RUN_LIMIT_MS', saved.runLimit],
    ['BALLOONSIM_FUZZ_WIRE_MS', saved.wire],
  ] as const) {
    if (value === undefined) delete process.env[variable];
    else process.env[variable] = value;
  }
});

async function failureOf(run: () => Promise<void>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the property did not fail');
}

/** Slow runs over arrays that fail when they hold a number of 500 or more: lots to shrink, slowly. */
const slowArrays = fc.array(fc.nat(1000), { minLength: 20, maxLength: 60 });
async function slowCheck(xs: number[]): Promise<void> {
  await sleep(15);
  expect(xs.every((x) => x < 500)).toBe(true);
}

describe('bounded shrinking', () => {
  it('stops shrinking at its limit and still ends with the counterexample and a replay line that replays it', async () => {
    process.env.BALLOONSIM_SHRINK_MS = '300';
    const params = propertyParams('slow shrinking', { numRuns: 50 });
    const error = await failureOf(() => assertProperty(fc.asyncProperty(slowArrays, slowCheck), params));
    const message = error.message;
    expect(message).toMatch(/^property "slow shrinking" failed/);
    expect(message).toMatch(/Counterexample: \[\[/);
    expect(message).toMatch(/shrinking stopped after \d+\.\d s \(limit 0.3 s, or the test's time limit\)/);
    const replay = /replay: BALLOONSIM_SEED=(-?\d+) BALLOONSIM_PATH=([\d:]+) npx vitest run test\/support\/property-limits\.test\.ts -t '.+'$/.exec(message);
    expect(replay, message).not.toBeNull();
    // The path replays the counterexample that was reported, at once.
    const counterexample = /Counterexample: (\[\[.*\]\])/.exec(message)![1]!;
    const again = await fc.check(fc.asyncProperty(slowArrays, slowCheck), { seed: Number(replay![1]), path: replay![2]!, endOnFailure: true });
    expect(again.failed).toBe(true);
    expect(fc.stringify(again.counterexample)).toBe(counterexample);
  });

  it('leaves a failure that shrinks in time alone: no note, the smallest counterexample', async () => {
    const params = propertyParams('quick shrinking', { numRuns: 50 });
    const error = await failureOf(async () => assertProperty(fc.property(fc.array(fc.nat(1000)), (xs) => xs.every((x) => x < 500)), params));
    expect(error.message).toMatch(/Counterexample: \[\[500\]\]/);
    expect(error.message).not.toMatch(/shrinking stopped/);
  });
});

describe('a per-run watchdog', () => {
  it('fails a run that never ends, with where the running simulations were and a replay line', async () => {
    process.env.BALLOONSIM_RUN_LIMIT_MS = '200';
    process.env.BALLOONSIM_SHRINK_MS = '3000';
    const unwatch = watchRun(() => 'free-running run of stuck: host tick 7 of 30');
    try {
      const params = propertyParams('a run hangs', { numRuns: 20 });
      const error = await failureOf(() =>
        assertProperty(
          fc.asyncProperty(fc.nat(100), async (n) => {
            if (n >= 10) await new Promise(() => {});
          }),
          params,
        ),
      );
      expect(error.message).toMatch(/run [\d:]+ did not finish within 0.2 s \(BALLOONSIM_RUN_LIMIT_MS\); where it was:\nfree-running run of stuck: host tick 7 of 30/);
      // Every hanging try costs the run limit, so shrinking may run out of its time first (the seed is
      // random, and so is the number of tries): then the note says so and the counterexample is a larger one.
      const counterexample = Number(/Counterexample: \[(\d+)\]/.exec(error.message)?.[1]);
      expect(counterexample).toBeGreaterThanOrEqual(10);
      if (!/shrinking stopped after/.test(error.message)) expect(counterexample).toBe(10);
      expect(error.message).toMatch(/replay: BALLOONSIM_SEED=-?\d+ BALLOONSIM_PATH=[\d:]+ npx vitest run /);
    } finally {
      unwatch();
    }
  });
});

describe('the test deadline', () => {
  it(
    'stops runs that would overrun the test and says so, instead of a bare timeout',
    async () => {
      // A 7 s test keeps 5 s to report: the runs stop after about 2 s.
      const params = propertyParams('too many runs', { numRuns: 100_000 });
      const error = await failureOf(() => assertProperty(fc.asyncProperty(fc.nat(), async () => {
        await sleep(5);
      }), params));
      expect(error.message).toMatch(/^property "too many runs" ran out of its test's time limit after \d+ of 100000 runs, without a failure \(seed -?\d+\)/);
      expect(error.message).toMatch(/replay: BALLOONSIM_SEED=/);
    },
    7_000,
  );
});

describe('a replay line under npm run fuzz', () => {
  it('carries the fuzz budgets, which change what the fuzz tests generate', () => {
    process.env.BALLOONSIM_FUZZ_WIRE_MS = '240000';
    const params = propertyParams('fails at once', { numRuns: 5 });
    let message = '';
    try {
      assertProperty(fc.property(fc.nat(), () => false), params);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/\nreplay: BALLOONSIM_FUZZ_WIRE_MS=240000 BALLOONSIM_SEED=-?\d+ BALLOONSIM_PATH=[\d:]+ npx vitest run /);
  });

  it('names only the budgets that are set, in a fixed order', () => {
    expect(shapingEnv({ BALLOONSIM_FUZZ_WIRE_MS: '5', BALLOONSIM_FUZZ_FREE_MS: '7', BALLOONSIM_FUZZ_MODEL_MS: '', BALLOONSIM_SEED: '3', BALLOONSIM_FUZZ_REPORT: '/tmp/x', HOME: '/root' })).toBe(
      'BALLOONSIM_FUZZ_FREE_MS=7 BALLOONSIM_FUZZ_WIRE_MS=5 ',
    );
    expect(shapingEnv({ BALLOONSIM_FUZZ_MS: '9' })).toBe('BALLOONSIM_FUZZ_MS=9 ');
    expect(shapingEnv({})).toBe('');
  });
});
