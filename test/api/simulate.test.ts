/** Unit tests of src/api/simulate.ts: the library's runs behind the preflight, with provenance (3-tick runs, inline). */
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../src/api/define-scenario.js';
import { simulate, simulateFree } from '../../src/api/simulate.js';
import type { PreflightIssue } from '../../src/preflight/preflight.js';
import { ScenarioError } from '../../src/scenario/errors.js';

const small = { seed: 2, duration: '3s', host: { memory: '64MiB', reserved: '4MiB' }, guests: [{ name: 'a', memory: '16MiB' }] };

describe('simulate', () => {
  it('runs the scenario and fills in the provenance, with the seed given', async () => {
    const { summary } = await simulate(defineScenario(small), { placement: 'inline', seed: 8 });
    expect(summary).toMatchObject({ seed: 8, ticks: 3 });
    expect(summary.provenance).toMatchObject({ tool: 'balloonsim', seed: 8, source: 'defineScenario' });
  });

  it('passes the preflight warnings to onWarning and runs anyway', async () => {
    const warnings: PreflightIssue[] = [];
    const late = defineScenario({ ...small, events: [{ at: '1m', pausePolicy: true }] } as never);
    await simulate(late, { placement: 'inline', onWarning: (issue) => warnings.push(issue) });
    expect(warnings.map((w) => [w.severity, w.path])).toEqual([['warning', 'events']]);
  });

  it("words a warning's fix with the scenario's fields, not run's flags (a library caller has no --set)", async () => {
    const warnings: PreflightIssue[] = [];
    const long = defineScenario({ ...small, tick: '1ms', duration: '1h' } as never);
    // Stopped before its first tick: only the preflight's warnings are wanted.
    await simulate(long, { placement: 'inline', signal: AbortSignal.abort(), onWarning: (issue) => warnings.push(issue) }).catch(() => undefined);
    expect(warnings.map((w) => [w.path, w.hint])).toEqual([['tick', "a tick of 10ms makes 360,000 ticks: tick: 10ms in the scenario (or in a grid's parameters); or shorten the run (its duration)"]]);
  });

  it('refuses, before anything is allocated, a run the preflight finds impossible', async () => {
    const huge = defineScenario({ ...small, host: { memory: '16TiB' } });
    await expect(simulate(huge, { placement: 'inline' })).rejects.toBeInstanceOf(ScenarioError);
  });

  it.each([
    [{ placement: 'threads' }, "simulate: placement must be 'inline' or 'workers', got \"threads\""],
    [{ workers: -1 }, 'simulate: workers must be a whole number of at least 1, got -1'],
    [{ workers: 1.5 }, 'simulate: workers must be a whole number of at least 1, got 1.5'],
    [{ guestsPerWorker: 0 }, 'simulate: guestsPerWorker must be a whole number of at least 1, got 0'],
    [{ seed: Number.NaN }, 'simulate: seed must be a whole number of at least 0, got NaN'],
    [{ auditEveryTicks: -1 }, 'simulate: auditEveryTicks must be a whole number of at least 0, got -1'],
    [{ sampleEveryTicks: '5' }, 'simulate: sampleEveryTicks must be a whole number of at least 0, got "5"'],
  ])('checks its options first: %j', async (options, message) => {
    // workers: -1 ran as if it were absent; placement 'threads' failed as a RunFailure, as if the run had broken.
    await expect(simulate(defineScenario(small), options as never)).rejects.toThrow(new RangeError(message));
  });

  it('refuses what is not a resolved scenario, saying how to make one', async () => {
    await expect(simulate(small as never)).rejects.toThrow(new TypeError('simulate: scenario must be a resolved Scenario, got a mapping without guests, frameBytes and host (a file form?): make one with defineScenario({...}), parseScenarioText(text) or loadScenarioFile(path)'));
    await expect(simulateFree(null as never)).rejects.toThrow(/^simulateFree: scenario must be a resolved Scenario/);
  });

  it.each([
    [{ placment: 'inline' }, /^simulate: unknown option "placment" \(did you mean "placement"\? the options are seed, placement, /],
    [{ signal: {} }, /^simulate: signal must be an AbortSignal/],
    [{ signal: 'abort' }, /^simulate: signal must be an AbortSignal .*got "abort"$/],
    [{ onSample: 5, sampleEveryTicks: 1 }, /^simulate: onSample must be a function, got 5$/],
    [{ onProgress: 'x' }, /^simulate: onProgress must be a function, got "x"$/],
    [{ beforeTick: 1 }, /^simulate: beforeTick must be a function, got 1$/],
    [{ policy: 'mom' }, /^simulate: policy must be a policy object, got "mom" \(make one with definePolicy/],
    [{ policy: { name: 'p', periodMs: 1000 } }, /^simulate: policy p: decide must be a function, got nothing/],
    [{ policy: { name: 'p', periodMs: Number.NaN, decide: () => new Map() } }, /^simulate: policy p: periodMs must be a positive number of ms, got NaN/],
  ])('refuses misspelt options and ones of the wrong type before running: %j', async (options, message) => {
    // A misspelt key was ignored (the run went on without it); a signal that was not an AbortSignal was ignored or
    // failed as "Invalid value used as weak map key"; callbacks and policies failed deep inside ("options.onSample is not a function").
    await expect(simulate(defineScenario(small), { placement: 'inline', ...options } as never)).rejects.toThrow(message);
  });

  it('refuses options that are not an object, listing the options it takes', async () => {
    await expect(simulate(defineScenario(small), null as never)).rejects.toThrow(
      new TypeError(
        'simulate: options must be an object ({ seed, placement, workers, guestsPerWorker, auditEveryTicks, onProgress, onSample, sampleEveryTicks, policy, beforeTick, host, signal, policyCallLimitMs, onWarning }, each optional), got null (an empty value)',
      ),
    );
    await expect(simulateFree(defineScenario(small), 'inline' as never)).rejects.toThrow(/^simulateFree: options must be an object \(\{ seed, workers, .*, onWarning \}, each optional\), got "inline"$/);
  });

  it('refuses a resolved scenario whose fields were changed by hand into what cannot run, naming the field', async () => {
    // durationMs: Infinity ran for ever; a missing durationMs gave a summary of NaN ticks; a guest's missing size failed as "watermarksFor: ... got NaN".
    const changed = (change: (s: Record<string, unknown>) => void): never => {
      const scenario = defineScenario(small) as unknown as Record<string, unknown>;
      change(scenario);
      return scenario as never;
    };
    await expect(simulate(changed((s) => (s['durationMs'] = Number.POSITIVE_INFINITY)), { placement: 'inline' })).rejects.toThrow(
      /^simulate: the scenario's durationMs must be a positive number of ms, got Infinity: .*defineScenario/,
    );
    await expect(simulate(changed((s) => delete s['durationMs']), { placement: 'inline' })).rejects.toThrow(/durationMs must be a positive number of ms, got undefined/);
    await expect(simulate(changed((s) => (s['tickMs'] = 0)), { placement: 'inline' })).rejects.toThrow(/tickMs must be a positive number of ms, got 0/);
    await expect(simulate(changed((s) => (s['durationMs'] = 1e15)), { placement: 'inline' })).rejects.toThrow(/durationMs \/ tickMs is 1000000000000 ticks, more than 100000000/);
    await expect(simulate(changed((s) => delete (s['guests'] as Array<Record<string, unknown>>)[0]!['memoryBytes']), { placement: 'inline' })).rejects.toThrow(
      /guests\[name=a\]\.memoryBytes must be a positive number of bytes, got undefined/,
    );
    await expect(simulateFree(changed((s) => (s['events'] = null)))).rejects.toThrow(/^simulateFree: the scenario's events must be a list/);
  });

  it('runs the scenario as it was when called: changing the object afterwards changes nothing', async () => {
    // The run read the scenario after its first await: a loop that set a field and started the next run changed
    // the runs already started (here it failed deep inside, "watermarksFor: memoryPages ... got 0").
    const alone = await simulate(defineScenario(small), { placement: 'inline' });
    const scenario = defineScenario(small);
    const running = simulate(scenario, { placement: 'inline' });
    scenario.guests[0]!.memoryBytes = 1;
    (scenario as { durationMs: number }).durationMs = 1000;
    const { summary } = await running;
    const { timing: _a, provenance: _b, ...mine } = summary;
    const { timing: _c, provenance: _d, ...expected } = alone.summary;
    expect(mine).toEqual(expected);
  });

  it('simulateFree refuses a wall limit that is not a positive number, and an audit that is not a boolean', async () => {
    // wallLimitMs NaN or -5 ended the run after its first round, with a summary of 1 tick and no word why.
    await expect(simulateFree(defineScenario(small), { wallLimitMs: Number.NaN })).rejects.toThrow(new RangeError('simulateFree: wallLimitMs must be a positive number of milliseconds, got NaN'));
    await expect(simulateFree(defineScenario(small), { wallLimitMs: -5 })).rejects.toThrow(new RangeError('simulateFree: wallLimitMs must be a positive number of milliseconds, got -5'));
    await expect(simulateFree(defineScenario(small), { audit: 'yes' as never })).rejects.toThrow(new TypeError('simulateFree: audit must be true or false, got "yes"'));
  });
});
