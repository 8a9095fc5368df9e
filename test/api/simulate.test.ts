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
    await expect(simulate(small as never)).rejects.toThrow(new TypeError('simulate: scenario must be a resolved Scenario: make one with defineScenario({...}), parseScenarioText(text) or loadScenarioFile(path)'));
    await expect(simulateFree(null as never)).rejects.toThrow(/^simulateFree: scenario must be a resolved Scenario/);
  });
});
