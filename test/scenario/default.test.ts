/** The built-in default scenario: what `balloonsim run` with no file runs. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO_YAML, defaultScenario } from '../../src/scenario/default.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe('the default scenario', () => {
  it('parses, with the settings it documents', () => {
    const scenario = defaultScenario();
    expect(scenario).toMatchObject({ name: 'default', source: 'built-in:default', seed: 42, durationMs: 1_200_000, tickMs: 1000, frameBytes: 4096 });
    expect(scenario.host).toEqual({ memoryBytes: 12 * GiB, reservedBytes: 512 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 }, backPressure: true, hotplug: true, swapFaultMs: 1 });
    expect(scenario.guests.map((guest) => [guest.name, guest.memoryBytes])).toEqual([
      ['web', 4 * GiB],
      ['db', 4 * GiB],
      ['batch', 4 * GiB],
      ['idle', 4 * GiB],
    ]);
    expect(scenario.guests.map((guest) => guest.workload[0]?.size.kind)).toEqual(['sine', 'steps', 'bursts', 'steps']);
    expect(scenario.guests[3]?.workload[0]?.hotFraction).toBe(0.05);
    expect(scenario.events).toEqual([
      { atMs: 120_000, kind: 'setTarget', guest: 'idle', target: { bytes: GiB } },
      { atMs: 120_000, kind: 'setTarget', guest: 'batch', target: { bytes: 2.5 * GiB } },
      { atMs: 870_000, kind: 'setTarget', guest: 'db', target: { bytes: 2 * GiB } },
      { atMs: 900_000, kind: 'setTarget', guest: 'idle', target: { bytes: 4 * GiB } },
      { atMs: 900_000, kind: 'setTarget', guest: 'batch', target: { bytes: 4 * GiB } },
    ]);
  });

  it('is overcommitted', () => {
    const scenario = defaultScenario();
    const guestBytes = scenario.guests.reduce((sum, guest) => sum + guest.memoryBytes, 0);
    expect(guestBytes).toBeGreaterThan(scenario.host.memoryBytes - scenario.host.reservedBytes);
  });

  it('takes a duration override', () => {
    expect(defaultScenario({ durationOverrideMs: 60_000 }).durationMs).toBe(60_000);
  });

  it('teaches the format in comments', () => {
    expect(DEFAULT_SCENARIO_YAML).toMatch(/# .*bare number/);
  });
});

describe('defaultScenario of options it cannot use', () => {
  it('names itself, not parseScenarioText, and refuses a baseDir it has no use for', () => {
    expect(() => defaultScenario('10m' as never)).toThrow(new TypeError('defaultScenario: options must be an object ({ durationOverrideMs, overrides }, each optional), got "10m"'));
    expect(() => defaultScenario({ baseDir: '/tmp' } as never)).toThrow(/^defaultScenario: unknown option "baseDir" \(the options are durationOverrideMs, overrides\)$/);
  });
});
