import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO_YAML, defaultScenario } from '../../src/scenario/default.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { scenarioError } from './support.js';

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

describe('loadScenarioFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'balloonsim-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML and JSON files and names the scenario after the file', () => {
    const yamlFile = join(dir, 'two-guests.yaml');
    writeFileSync(yamlFile, 'host: {memory: 8GiB}\nguests: [{name: a, memory: 1GiB}]\n');
    expect(loadScenarioFile(yamlFile)).toMatchObject({ name: 'two-guests', source: yamlFile, durationMs: 600_000 });
    const jsonFile = join(dir, 'one.json');
    writeFileSync(jsonFile, JSON.stringify({ $schema: '../schema/scenario.schema.json', host: { memory: '8GiB' }, guests: [{ name: 'a', memory: '1GiB' }] }, null, '\t'));
    expect(loadScenarioFile(jsonFile)).toMatchObject({ name: 'one', guests: [{ name: 'a' }] });
  });

  it('turns a missing or unreadable file into a ScenarioError with a hint', () => {
    const missing = scenarioError(() => loadScenarioFile(join(dir, 'nope.yaml')));
    expect(missing.source).toBe(join(dir, 'nope.yaml'));
    expect(missing.issues[0]).toMatchObject({ path: '', message: 'cannot read the scenario: no such file' });
    expect(missing.issues[0]?.hint).toMatch(/check the path/);
    expect(missing.format()).toBe(`${join(dir, 'nope.yaml')}: cannot read the scenario: no such file (${missing.issues[0]?.hint})`);
    expect(scenarioError(() => loadScenarioFile(dir)).issues[0]?.message).toBe('cannot read the scenario: it is a directory');
  });
});
