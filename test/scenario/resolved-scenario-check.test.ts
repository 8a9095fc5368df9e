/** Unit tests of src/scenario/resolved-scenario-check.ts: what the library says when it is handed something that is not a resolved scenario. */
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../src/scenario/resolved-scenario-check.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

const HOW = 'make one with defineScenario({...}), parseScenarioText(text) or loadScenarioFile(path)';

describe('checkScenario', () => {
  it('names the function, says what it got and how to make a scenario', () => {
    expect(() => checkScenario(null, 'estimateRunMemory')).toThrow(new TypeError(`estimateRunMemory: scenario must be a resolved Scenario, got null (an empty value): ${HOW}`));
    expect(() => checkScenario(undefined, 'f')).toThrow(new TypeError(`f: scenario must be a resolved Scenario, got nothing: ${HOW}`));
    expect(() => checkScenario('two-guests.yaml', 'f')).toThrow(new TypeError(`f: scenario must be a resolved Scenario, got "two-guests.yaml": ${HOW}`));
    expect(() => checkScenario([], 'f')).toThrow(new TypeError(`f: scenario must be a resolved Scenario, got a list of 0 items: ${HOW}`));
  });

  it('takes a scenario in its file form for what it most often is, and points to defineScenario', () => {
    const fileForm = { host: { memory: '8GiB' }, guests: [{ name: 'a', memory: '2GiB' }] };
    expect(() => checkScenario(fileForm, 'f')).toThrow(new TypeError(`f: scenario must be a resolved Scenario, got a mapping without guests, frameBytes and host (a file form?): ${HOW}`));
  });

  it('names a field changed by hand into something a run cannot use', () => {
    const s = scenario({ guests: [guest('a', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB })] });
    expect(() => checkScenario({ ...s, durationMs: Number.NaN }, 'f')).toThrow(/^f: the scenario's durationMs must be a positive number of ms, got NaN: .*durationOverrideMs/);
    expect(() => checkScenario(s, 'f')).not.toThrow();
  });
});
