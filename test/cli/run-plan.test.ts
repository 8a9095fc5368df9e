/** Unit tests of src/cli/run-plan.ts: the flags that shape a run, checked against each other, and the preflight of a plan. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPlanned, planRun, preflightPlanned, sampleEveryOf, simulateOptionsOf } from '../../src/cli/run-plan.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { capture } from '../support/capture.js';
import { writeTinyScenario } from '../support/cli-files.js';
import { guest, scenario } from '../support/scenarios.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const base = { placement: 'inline', mode: 'lockstep' };
let dir: string;
beforeAll(() => {
  dir = temporaryDirectory('balloonsim-run-plan-');
});

describe('planRun', () => {
  it('parses the flags into a plan', () => {
    expect(planRun({ placement: 'workers', mode: 'free', workers: '2', duration: '90s', set: ['seed=3'] })).toEqual({
      placement: 'workers',
      mode: 'free',
      workers: 2,
      loadOptions: { durationOverrideMs: 90_000, overrides: [{ path: 'seed', value: '3' }] },
    });
    expect(planRun({ ...base, out: 'd', sampleEvery: '5' })).toEqual({ placement: 'inline', mode: 'lockstep', sampleEvery: 5, loadOptions: { overrides: [] } });
    expect(planRun({ placement: 'workers', mode: 'lockstep', guestsPerWorker: '8' }).guestsPerWorker).toBe(8);
  });

  it('refuses flags that do not go together, saying which to drop', () => {
    const refuse = (flags: Parameters<typeof planRun>[0], message: string | RegExp) => expect(() => planRun(flags)).toThrow(message instanceof RegExp ? message : new UsageError(message));
    refuse({ placement: 'threads', mode: 'lockstep' }, '--placement takes one of inline, workers; got "threads"');
    refuse({ placement: 'inline', mode: 'fast' }, '--mode takes one of lockstep, free; got "fast"');
    refuse({ ...base, workers: '2' }, '--workers applies to --placement workers only (got --placement inline); drop one of them');
    refuse({ ...base, sampleEvery: '2' }, '--sample-every sets how often --out records samples; add --out DIR or drop it');
    refuse({ ...base, guestsPerWorker: '2' }, '--guests-per-worker applies to --placement workers only (got --placement inline); drop one of them');
    refuse({ placement: 'workers', mode: 'lockstep', workers: '2', guestsPerWorker: '2' }, /^give --workers or --guests-per-worker, not both/);
    refuse({ placement: 'inline', mode: 'free' }, /^--mode free runs guests on worker threads; drop --placement inline/);
    refuse({ placement: 'workers', mode: 'free', out: 'd' }, /^--out writes samples over simulated time, which a free-running run does not take/);
    refuse({ ...base, duration: '0s' }, '--duration must be longer than 0, got "0s"');
    refuse({ placement: 'workers', mode: 'lockstep', workers: '0' }, '--workers takes a whole number of at least 1, got "0"');
    refuse({ placement: 'workers', mode: 'lockstep', workers: '100000' }, /^--workers 100000 is far more threads than this machine has cores/);
  });
});

describe('loadPlanned and sampleEveryOf', () => {
  it('loads the file with --duration and --set applied, or the built-in scenario', () => {
    const file = writeTinyScenario(dir);
    const s = loadPlanned(file, planRun({ ...base, duration: '2s', set: ['seed=9'] }));
    expect(s).toMatchObject({ name: 'tiny', seed: 9, durationMs: 2000, source: file });
    expect(s.guests.map((g) => g.name)).toEqual(['web', 'batch']);
    expect(loadPlanned(undefined, planRun(base)).source).toBe('built-in:default');
  });

  it('samples only with --out, every --sample-every ticks when given', () => {
    const s = scenario({ guests: [guest('a')] });
    expect(sampleEveryOf(s, planRun(base), false)).toBe(0);
    expect(sampleEveryOf(s, planRun({ ...base, out: 'd', sampleEvery: '7' }), true)).toBe(7);
    expect(sampleEveryOf(s, planRun(base), true)).toBeGreaterThanOrEqual(1);
  });
});

describe('preflightPlanned', () => {
  const faults = { untilMs: 10_000, settleMs: 5000, crashes: [], randomThrows: 0, randomKills: 0, delayFraction: 0, delayTurnsMax: 8 };

  it('refuses in lockstep the faults only free-running mode has', () => {
    const kill = scenario({ source: 'k.yaml', guests: [guest('a')], faults: { ...faults, crashes: [{ guest: 'a', atMs: 1000, how: 'kill-worker' }] } });
    expect(() => preflightPlanned(kill, planRun(base), { sampleEvery: 0, quiet: true })).toThrow(/^k\.yaml: faults that kill a worker need --mode free/);
    const delays = scenario({ source: 'd.yaml', guests: [guest('a')], faults: { ...faults, delayFraction: 0.5 } });
    expect(() => preflightPlanned(delays, planRun(base), { sampleEvery: 0, quiet: true })).toThrow(/^d\.yaml: faults\.messages delays batches between threads/);
  });

  it('throws the preflight errors, and prints its warnings unless quiet', async () => {
    const late = scenario({ source: 'late.yaml', guests: [guest('a')], events: [{ atMs: 60_000, kind: 'pausePolicy' }] });
    const loud = await capture(() => preflightPlanned(late, planRun(base), { sampleEvery: 0, quiet: false }));
    expect(loud.stderr).toMatch(/^balloonsim: warning: late\.yaml: events: an event \(pausePolicy at 1m\) comes after the run's last tick/);
    const quiet = await capture(() => preflightPlanned(late, planRun(base), { sampleEvery: 0, quiet: true }));
    expect(quiet.stderr).toBe('');
    const huge = scenario({ guests: [guest('a')], host: { ...late.host, memoryBytes: 16 * 2 ** 40 } });
    expect(() => preflightPlanned(huge, planRun(base), { sampleEvery: 0, quiet: true })).toThrow(ScenarioError);
  });
});

describe('simulateOptionsOf', () => {
  it('passes placement and thread counts on', () => {
    expect(simulateOptionsOf(planRun(base))).toEqual({ placement: 'inline' });
    expect(simulateOptionsOf(planRun({ placement: 'workers', mode: 'lockstep', workers: '3' }))).toEqual({ placement: 'workers', workers: 3 });
  });
});
