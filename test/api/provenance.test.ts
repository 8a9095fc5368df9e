/** Unit tests of src/api/provenance.ts: where a run comes from, as its outputs say. */
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../src/api/define-scenario.js';
import { provenanceLine, provenanceOf, withProvenance } from '../../src/api/provenance.js';
import type { RunResult } from '../../src/runtime/simulate.js';
import { BALLOONSIM_VERSION } from '../../src/util/version.js';

const scenario = defineScenario({ name: 'p', seed: 1, host: { memory: '256MiB' }, guests: [{ name: 'a', memory: '64MiB' }] }, { source: 'p.yaml' });

describe('provenanceOf', () => {
  it('names the tool, its version, Node, the seed used and the source, with the scenario resolved under that seed', () => {
    const provenance = provenanceOf(scenario, 42);
    expect(provenance).toMatchObject({ tool: 'balloonsim', version: BALLOONSIM_VERSION, node: process.version, seed: 42, source: 'p.yaml' });
    expect(provenance.scenario).toMatchObject({ name: 'p', seed: 42 });
  });

  it('gives a scenario file that resolves to a scenario with the same provenance (every default already written out)', () => {
    const file = provenanceOf(scenario, 1).scenario;
    const again = defineScenario(file as never, { source: 'p.yaml' });
    expect(again).toMatchObject({ name: 'p', seed: 1, durationMs: scenario.durationMs, frameBytes: scenario.frameBytes });
    expect(provenanceOf(again, 1).scenario).toEqual(file);
  });
});

describe('withProvenance and provenanceLine', () => {
  it('fills in the summary of a result, and writes it as one line', () => {
    const result = { summary: {}, events: [] } as unknown as RunResult;
    expect(withProvenance(result, scenario, 9)).toBe(result);
    expect(result.summary.provenance?.seed).toBe(9);
    expect(provenanceLine(result.summary.provenance!)).toBe(`balloonsim ${BALLOONSIM_VERSION}, Node ${process.version}, seed 9`);
  });
});

describe('provenanceOf of what is not a scenario and a seed', () => {
  it('refuses what is not a resolved scenario with how to make one, instead of reading source of null', () => {
    expect(() => provenanceOf(null as never, 1)).toThrow(/^provenanceOf: scenario must be a resolved Scenario, got null \(an empty value\): make one with defineScenario/);
  });

  it('refuses a seed that is not a whole number, which it wrote into a scenario file that does not load again', () => {
    for (const [seed, shown] of [[Number.NaN, 'NaN'], ['7', '"7"'], [-1, '-1'], [1.5, '1.5'], [undefined, 'nothing']] as const) {
      expect(() => provenanceOf(scenario, seed as never)).toThrow(new RangeError(`provenanceOf: seed must be a whole number of at least 0 (the seed the run used, summary.seed), got ${shown}`));
    }
  });
});
