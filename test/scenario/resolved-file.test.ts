/**
 * The resolved scenario, written back as a file (`validate --print-resolved`,
 * and the provenance of every output), loads as the same scenario: nothing is
 * lost, every default is explicit, and printing it again gives the same text.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/scenario/errors.js';
import { defaultScenario } from '../../src/scenario/default.js';
import { loadScenarioFile, parseScenarioText } from '../../src/scenario/load.js';
import { resolvedScenarioFile, resolvedScenarioYaml, withModelDefaults } from '../../src/scenario/resolved-file.js';
import type { Scenario } from '../../src/model/scenario.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { arbitraryScenario } from '../support/scenarios.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The scenario the printed file loads as. */
function reloaded(scenario: Scenario): Scenario {
  return parseScenarioText(resolvedScenarioYaml(scenario), scenario.source);
}

function comparable(scenario: Scenario): unknown {
  return { ...withModelDefaults(scenario), source: null };
}

describe('the resolved scenario file', () => {
  const examples = readdirSync(join(ROOT, 'examples')).filter((file) => file.endsWith('.yaml'));
  it.each(['built-in default', ...examples])('%s loads back as itself, and prints the same twice', (name) => {
    const scenario = name === 'built-in default' ? defaultScenario() : loadScenarioFile(join(ROOT, 'examples', name));
    const again = reloaded(scenario);
    expect(comparable(again)).toEqual(comparable(scenario));
    expect(resolvedScenarioYaml(again)).toBe(resolvedScenarioYaml(scenario));
  });

  it('fills in every default, folds count groups back, and keeps sizes exact', () => {
    const text = resolvedScenarioYaml(defaultScenario());
    for (const key of ['frameSize: 4KiB', 'backing: lazy', 'kernel: ', 'skew: 16', 'hotTouchEvery: 1s', 'batch: 256', 'minor: 0.001ms', 'freeMemoryStates:', 'swapFault: 1ms']) expect(text).toContain(key);
    const dense = resolvedScenarioYaml(loadScenarioFile(join(ROOT, 'examples', 'dense-64.yaml')));
    expect(dense).toMatch(/count: \d+/);
    const odd = parseScenarioText('host: { memory: 1000000007B }\nguests: [ { name: a, memory: 1.5GiB, workload: [ { kind: anon, size: 123456789B, hot: 0.37 } ] } ]\n', 'odd.yaml');
    expect(comparable(reloaded(odd))).toEqual(comparable(odd));
  });

  // host.shards decides which guests share a free pool: left out, a run of the printed file had a shard per guest instead.
  it('keeps host.shards, which results depend on', () => {
    const sharded = parseScenarioText('host: { memory: 4GiB, shards: 1 }\nguests: [ { name: a, count: 4, memory: 256MiB } ]\n', 'sharded.yaml');
    expect(resolvedScenarioYaml(sharded)).toContain('shards: 1');
    expect(reloaded(sharded).host.shards).toBe(1);
    expect(comparable(reloaded(sharded))).toEqual(comparable(sharded));
  });

  const params = propertyParams<[Scenario]>('a generated scenario loads back as itself', { numRuns: 60 });
  describe(`generated scenarios ${describeSeed(params.seed)}`, () => {
    it(params.name, () => {
      assertProperty(
        fc.property(arbitraryScenario({ crashes: true }), (generated) => {
          // A generated scenario is not always in the loader's normal form (steps from time 0, ...): load it once first.
          let scenario: Scenario;
          try {
            scenario = reloaded(generated);
          } catch (error) {
            if (!(error instanceof ScenarioError)) throw error;
            fc.pre(false);
            return;
          }
          expect(comparable(reloaded(scenario))).toEqual(comparable(scenario));
          expect(resolvedScenarioYaml(reloaded(scenario))).toBe(resolvedScenarioYaml(scenario));
        }),
        params,
      );
    });
  });
});

describe('resolvedScenarioFile and resolvedScenarioYaml of what they cannot write', () => {
  it('refuse what is not a resolved scenario with how to make one, instead of reading freeMemoryStates of undefined', () => {
    expect(() => resolvedScenarioFile(null as never)).toThrow(/^resolvedScenarioFile: scenario must be a resolved Scenario, got null \(an empty value\): make one with defineScenario/);
    expect(() => resolvedScenarioYaml({ host: { memory: '8GiB' }, guests: [] } as never)).toThrow(/^resolvedScenarioYaml: scenario must be a resolved Scenario, got a mapping without guests, frameBytes and host \(a file form\?\)/);
  });

  it('refuses a header that is not a list of lines: a string was written one character a line, a number failed as "header is not iterable"', () => {
    const scenario = defaultScenario();
    for (const [header, shown] of [['made by me', '"made by me"'], [5, '5'], [[1], 'a list of 1 item']] as const) {
      expect(() => resolvedScenarioYaml(scenario, header as never)).toThrow(new TypeError(`resolvedScenarioYaml: header must be a list of lines of text (each becomes a # comment), got ${shown}`));
    }
    expect(resolvedScenarioYaml(scenario, ['made by me'])).toContain('# made by me\n');
  });
});
