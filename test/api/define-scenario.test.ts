/** Unit tests of src/api/define-scenario.ts: scenarios from plain objects, checked as files are. */
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../src/api/define-scenario.js';
import { ScenarioError } from '../../src/scenario/errors.js';

const MiB = 2 ** 20;

function scenarioError(run: () => unknown): ScenarioError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return error as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('defineScenario', () => {
  it('resolves sizes, durations and shorthands, filling in defaults', () => {
    const s = defineScenario({ name: 'two', seed: 3, duration: '90s', host: { memory: '256MiB' }, guests: [{ name: 'web', memory: '64MiB', driver: 'xen' }, { name: 'b', count: 2, memory: '32MiB' }] });
    expect(s).toMatchObject({ name: 'two', seed: 3, durationMs: 90_000, source: 'defineScenario' });
    expect(s.host.memoryBytes).toBe(256 * MiB);
    expect(s.guests.map((g) => [g.name, g.memoryBytes, g.driver.profile])).toEqual([
      ['web', 64 * MiB, 'xen'],
      ['b-0', 32 * MiB, 'virtio'],
      ['b-1', 32 * MiB, 'virtio'],
    ]);
  });

  it('names its source in errors, and takes a duration override', () => {
    const s = defineScenario({ host: { memory: '256MiB' }, guests: [{ name: 'a', memory: '64MiB' }] }, { source: 'mine', durationOverrideMs: 5000 });
    expect(s.source).toBe('mine');
    expect(s.durationMs).toBe(5000);
    const error = scenarioError(() => defineScenario({ host: { memory: '256 potatoes' }, guests: [{ name: 'a', memory: '64MiB' }] } as never, { source: 'mine' }));
    expect(error.source).toBe('mine');
    expect(error.issues[0]!.path).toBe('host.memory');
  });

  it('refuses objects that refer back to themselves or nest too deeply, saying where', () => {
    const loop: Record<string, unknown> = { host: { memory: '1GiB' }, guests: [] };
    (loop.host as Record<string, unknown>).self = loop.host;
    const error = scenarioError(() => defineScenario(loop as never));
    expect(error.issues).toEqual([{ path: '', message: 'host.self refers back to itself', hint: 'a scenario is plain data: mappings, lists, strings, numbers and booleans' }]);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 500; i++) {
      const next = {};
      deep.x = next;
      deep = next;
    }
    expect(scenarioError(() => defineScenario(root as never)).issues[0]!.message).toMatch(/^the scenario nests more than \d+ levels deep \(at x(\.x)+\)$/);
  });

  it('refuses an empty source name', () => {
    expect(() => defineScenario({ guests: [] } as never, { source: '' })).toThrow(new TypeError('defineScenario: options.source must be a non-empty string'));
  });

  it('checks its options: an object, and a duration override in whole ms, named as defineScenario takes it', () => {
    // null failed as "Cannot read properties of null (reading 'source')"; a bad override was blamed on resolveScenario, an internal function.
    const scenario = { host: { memory: '256MiB' }, guests: [{ name: 'a', memory: '64MiB' }] };
    expect(() => defineScenario(scenario, null as never)).toThrow(new TypeError('defineScenario: options must be an object, got null (an empty value)'));
    expect(() => defineScenario(scenario, { durationOverrideMs: Number.NaN })).toThrow(
      new TypeError('defineScenario: durationOverrideMs must be a positive whole number of ms (5 minutes is 300000), got NaN'),
    );
    expect(() => defineScenario(scenario, { durationOverrideMs: '5m' as never })).toThrow(/^defineScenario: durationOverrideMs .*got "5m"$/);
  });
});

describe('defineScenario of options it cannot use', () => {
  const file = { host: { memory: '64MiB' }, guests: [{ name: 'a', memory: '16MiB' }] };

  it('refuses a misspelt option, which was ignored, naming the closest one', () => {
    expect(() => defineScenario(file, { sorce: 'mine' } as never)).toThrow(/^defineScenario: unknown option "sorce" \(did you mean "source"\? the options are source, baseDir, durationOverrideMs\)$/);
  });

  it('refuses a baseDir that is not a path, which failed as Node\'s "paths[0]" argument error', () => {
    expect(() => defineScenario(file, { baseDir: 5 as never })).toThrow(new TypeError('defineScenario: baseDir must be the path of a directory, got 5'));
  });
});
