/**
 * The watch on policy modules' calls, end to end in this process: a call
 * that never returns (in createPolicy, decide, observe) is stopped and the
 * run rejects with a PolicyError that says which, when and how long, in
 * lockstep (inline and on workers) and free-running mode, through the
 * library too; a slow call under the limit is not stopped and changes
 * nothing; a scenario without policy modules starts no thread.
 */
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { simulate as simulateApi } from '../../../src/api/simulate.js';
import { simulateStream } from '../../../src/api/stream.js';
import { PolicyError } from '../../../src/host/policy/policy-error.js';
import type { Scenario } from '../../../src/model/scenario.js';
import { UnitError } from '../../../src/model/unit-error.js';
import { simulateFree } from '../../../src/runtime/free/simulate-free.js';
import { policyCallLimitMs, POLICY_CALL_LIMIT_MS_DEFAULT, watchPolicyCalls } from '../../../src/runtime/policy-watch/policy-watch.js';
import { simulate, type SimulateOptions } from '../../../src/runtime/simulate.js';
import { DECIDE_LOOPS_FROM_5S, DECIDES_NOTHING, policyModuleScenario } from '../../support/policy-module-scenario.js';
import { guest, MiB, scenario } from '../../support/scenarios.js';

/** The limit these tests give a call: short, so that a stopped run takes about half a second. */
const LIMIT_MS = 400;
/** How long a stopped run may take in all, on a loaded machine. */
const STOPPED_WITHIN_MS = 15_000;

function moduleScenario(source: string): Scenario {
  return policyModuleScenario(source, 'endless.mjs');
}

const ENDLESS_DECIDE = DECIDE_LOOPS_FROM_5S;

/** Runs `run` and expects it to reject with a PolicyError matching `message`, within STOPPED_WITHIN_MS. */
async function expectStopped(run: () => Promise<unknown>, message: RegExp): Promise<PolicyError> {
  const started = performance.now();
  const error = await run().then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(performance.now() - started).toBeLessThan(STOPPED_WITHIN_MS);
  expect(error).toBeInstanceOf(PolicyError);
  expect((error as PolicyError).message).toMatch(message);
  return error as PolicyError;
}

/** The threads of this process (Linux), to see that a run leaves none behind. */
function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

const onLinux = process.platform === 'linux';

describe('a call into a policy module that never returns', () => {
  const placements: Array<[string, SimulateOptions]> = [
    ['inline', { placement: 'inline' }],
    ['on workers', { placement: 'workers', workers: 2 }],
  ];
  for (const [where, options] of placements) {
    it(`in decide stops a lockstep run ${where} with a PolicyError that says which call, when, and what to do`, async () => {
      const s = moduleScenario(ENDLESS_DECIDE);
      const error = await expectStopped(() => simulate(s, { ...options, policyCallLimitMs: LIMIT_MS }), /decide\(\) did not return/);
      expect(error.message).toContain(`the policy module ${s.host.policy.kind === 'module' ? s.host.policy.path : ''}: decide() did not return: called at 5s of simulated time (tick 5)`);
      expect(error.message).toMatch(/it ran for \d+\.\d s of CPU time \(\d+\.\d s of wall time\), past the limit of 400ms for one call, and was stopped at .*endless\.mjs:\d+:\d+\./);
      expect(error.message).toContain('Does decide() loop forever? If it is only slow, raise the limit: BALLOONSIM_POLICY_CALL_LIMIT=60s');
    });
  }

  it('in createPolicy stops the run before it starts', async () => {
    const s = moduleScenario('export function createPolicy() { for (;;) {} }\n');
    await expectStopped(() => simulate(s, { placement: 'inline', policyCallLimitMs: LIMIT_MS }), /createPolicy\(\) did not return: called at 0s of simulated time \(tick 0\)/);
  });

  it('in observe, and in a policy a setPolicy event brings in, is stopped too', async () => {
    const observing = moduleScenario('export function createPolicy() { return { decide: () => null, observe(view) { while (view.timeMs >= 3000) {} } }; }\n');
    await expectStopped(() => simulate(observing, { placement: 'inline', policyCallLimitMs: LIMIT_MS }), /observe\(\) did not return: called at 3s/);
    const first = moduleScenario(DECIDES_NOTHING);
    const second = moduleScenario('export function createPolicy() { for (;;) {} }\n');
    const switching: Scenario = { ...first, events: [{ atMs: 7000, kind: 'setPolicy', policy: second.host.policy }] };
    await expectStopped(() => simulate(switching, { placement: 'inline', policyCallLimitMs: LIMIT_MS }), /endless\.mjs: createPolicy\(\) did not return: called at 7s of simulated time \(tick 7\)/);
  });

  it('stops a free-running run', async () => {
    const s = moduleScenario(ENDLESS_DECIDE);
    await expectStopped(() => simulateFree(s, { workers: 2, policyCallLimitMs: LIMIT_MS }), /decide\(\) did not return/);
  });

  it('makes the library reject (simulate and simulateStream), and the process runs the next run as before', async () => {
    const s = moduleScenario(ENDLESS_DECIDE);
    await expectStopped(() => simulateApi(s, { placement: 'inline', policyCallLimitMs: LIMIT_MS }), /decide\(\) did not return/);
    await expectStopped(async () => {
      for await (const sample of simulateStream(s, { placement: 'inline', policyCallLimitMs: LIMIT_MS, sampleEveryTicks: 1 })) expect(sample.timeMs).toBeLessThanOrEqual(5000);
    }, /decide\(\) did not return/);
    const fine = moduleScenario(DECIDES_NOTHING);
    const { summary } = await simulateApi(fine, { placement: 'inline', policyCallLimitMs: LIMIT_MS });
    expect(summary.ticks).toBe(20);
  });

  it.runIf(onLinux)('leaves no thread behind: the watchdog and the workers are closed', async () => {
    const before = threadCount();
    await expectStopped(() => simulate(moduleScenario(ENDLESS_DECIDE), { placement: 'workers', workers: 2, policyCallLimitMs: LIMIT_MS }), /did not return/);
    // A terminated thread leaves /proc a moment after its promise settles.
    for (let i = 0; i < 100 && threadCount() > before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(threadCount()).toBe(before);
  });
});

describe('calls that return', () => {
  it('a slow decide under the limit is not stopped, and the summary is the one an unwatched run gives', async () => {
    // Busy for 150 ms of wall time on each call (the limit is a second of CPU time).
    const s = moduleScenario('export function createPolicy() { return { decide(view) { const end = performance.now() + 150; while (performance.now() < end) {} return new Map([[0, view.guests[0].maxPages / 2]]); } }; }\n');
    const watched = await simulate(s, { placement: 'inline', policyCallLimitMs: 1000 });
    const unwatched = await simulate(s, { placement: 'inline', policyCallLimitMs: 0 });
    expect(watched.summary.guests[0]!.targetBytes).toBe(32 * MiB);
    expect({ ...watched.summary, timing: null }).toEqual({ ...unwatched.summary, timing: null });
  });

  it.runIf(onLinux)('a scenario without policy modules starts no watchdog thread; one with them starts one, for the run only', async () => {
    const plain = scenario({ guests: [guest('a')] });
    const before = threadCount();
    const inside = await watchPolicyCalls(plain, {}, 'test', async (run) => ({ calls: run.calls, threads: threadCount() }));
    expect(inside).toEqual({ calls: undefined, threads: before });
    const withModule = moduleScenario(DECIDES_NOTHING);
    const watched = await watchPolicyCalls(withModule, { limitMs: LIMIT_MS }, 'test', async (run) => ({ calls: run.calls !== undefined, threads: threadCount() }));
    expect(watched).toEqual({ calls: true, threads: before + 1 });
    expect(threadCount()).toBe(before);
  });
});

describe('policyCallLimitMs', () => {
  it('takes the option, else BALLOONSIM_POLICY_CALL_LIMIT (a duration), else 10 s; 0 turns the watch off', () => {
    expect(policyCallLimitMs(250, 'x', {})).toBe(250);
    expect(policyCallLimitMs(undefined, 'x', {})).toBe(POLICY_CALL_LIMIT_MS_DEFAULT);
    expect(POLICY_CALL_LIMIT_MS_DEFAULT).toBe(10_000);
    expect(policyCallLimitMs(undefined, 'x', { BALLOONSIM_POLICY_CALL_LIMIT: ' 1.5s ' })).toBe(1500);
    expect(policyCallLimitMs(undefined, 'x', { BALLOONSIM_POLICY_CALL_LIMIT: '0s' })).toBe(0);
    expect(policyCallLimitMs(7, 'x', { BALLOONSIM_POLICY_CALL_LIMIT: '0s' })).toBe(7);
  });

  it('refuses a limit that is not a duration, saying where it came from and what to write', () => {
    expect(() => policyCallLimitMs(-1, 'simulate', {})).toThrow('simulate: policyCallLimitMs must be a number of milliseconds, at least 0 (0: calls are not watched), got -1');
    expect(() => policyCallLimitMs(Number.NaN, 'simulate', {})).toThrow(RangeError);
    expect(() => policyCallLimitMs(undefined, 'x', { BALLOONSIM_POLICY_CALL_LIMIT: '10' })).toThrow(UnitError);
    expect(() => policyCallLimitMs(undefined, 'x', { BALLOONSIM_POLICY_CALL_LIMIT: '10' })).toThrow(
      /^BALLOONSIM_POLICY_CALL_LIMIT: "10" has no unit, but a duration needs one.* \(write the CPU time one call into a policy module may take, such as 10s or 500ms; 0s turns the watch off\)$/,
    );
  });

  it('is checked by the library before the run', async () => {
    await expect(simulateApi(scenario({ guests: [guest('a')] }), { placement: 'inline', policyCallLimitMs: -5 })).rejects.toThrow(/^simulate: policyCallLimitMs must be/);
  });
});
