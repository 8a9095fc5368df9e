/** From a file's content to the resolved Scenario: the rules that involve several fields, and the host. */
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/scenario/resolve.js';
import { issueAt, scenarioError } from './support.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const small = (extra: Record<string, unknown> = {}, host: Record<string, unknown> = {}) => ({
  host: { memory: '4GiB', ...host },
  guests: [{ name: 'a', memory: '1GiB' }],
  ...extra,
});

describe('resolveScenario', () => {
  it('fills in the host, the time, and a name from the source file', () => {
    const scenario = resolveScenario(small({ duration: '10m', tick: '2s' }, { reserved: '256MiB', swap: '1GiB', policy: 'mom' }), '/tmp/web-farm.yaml', '/tmp');
    expect(scenario.name).toBe('web-farm');
    expect(scenario.source).toBe('/tmp/web-farm.yaml');
    expect(scenario.durationMs).toBe(600_000);
    expect(scenario.tickMs).toBe(2000);
    expect(scenario.frameBytes).toBe(4096);
    expect(scenario.host).toMatchObject({ memoryBytes: 4 * GiB, reservedBytes: 256 * MiB, swapBytes: GiB, policy: { kind: 'mom', periodMs: 10_000 } });
    expect(scenario.host.freeMemoryStates).toBeUndefined();
    expect(resolveScenario(small(), 'built-in:default', '.').name).toBe('default');
  });

  it('takes a duration override, and refuses one that is not a whole positive number of ms', () => {
    expect(resolveScenario(small({ duration: '1h' }), 's.yaml', '.', { durationOverrideMs: 5000 }).durationMs).toBe(5000);
    expect(() => resolveScenario(small(), 's.yaml', '.', { durationOverrideMs: 1.5 })).toThrow(TypeError);
  });

  it('refuses an empty scenario with a hint', () => {
    const error = scenarioError(() => resolveScenario(null, 's.yaml', '.'));
    expect(error.issues).toEqual([{ path: '', message: 'the scenario is empty', hint: 'a scenario needs at least host and guests; `balloonsim run` with no file runs the built-in default' }]);
  });

  it('reports every rule that involves several fields at once', () => {
    const error = scenarioError(() => resolveScenario(small({ duration: '1s', tick: '2s', frameSize: '3KiB' }, { memory: '2KiB', reserved: '4KiB' }), 's.yaml', '.'));
    expect(issueAt(error, 'tick').message).toBe('tick (2s) is longer than the duration (1s)');
    expect(issueAt(error, 'frameSize').message).toBe('frameSize 3 KiB is not a power of two from 4 KiB to 1 GiB');
    expect(issueAt(error, 'host.memory').message).toBe('host memory (2 KiB) is smaller than one frame (3 KiB)');
    expect(issueAt(error, 'host.reserved').message).toBe('reserved (4 KiB) is not less than host memory (2 KiB)');
  });

  it('says the override made the run too short for its tick', () => {
    const error = scenarioError(() => resolveScenario(small({ tick: '10s' }), 's.yaml', '.', { durationOverrideMs: 1000 }));
    expect(issueAt(error, 'tick').message).toBe('tick (10s) is longer than the duration (1s, from the duration override)');
  });

  it('keeps free-memory thresholds in order', () => {
    expect(resolveScenario(small({}, { freeMemoryStates: { high: '8%' } }), 's.yaml', '.').host.freeMemoryStates).toEqual({ high: 0.08, soft: 0.04, hard: 0.02, low: 0.01 });
    const error = scenarioError(() => resolveScenario(small({}, { freeMemoryStates: { soft: '1%', hard: '3%' } }), 's.yaml', '.'));
    expect(issueAt(error, 'host.freeMemoryStates.hard').message).toBe('hard (3%) is above soft (1%)');
  });
});
