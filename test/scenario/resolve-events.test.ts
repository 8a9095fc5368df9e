import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenarioText } from '../../src/scenario/load.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { issueAt, scenarioError, yamlWithGuests } from './support.js';

const MiB = 2 ** 20;

function withPolicy(policy: string, rest = ''): string {
  return `host:\n  memory: 16GiB\n  policy: ${policy}\nguests: [{name: web, memory: 1GiB}]\n${rest}`;
}

describe('host policies in the scenario file', () => {
  it('fills in every setting of every kind from its shorthand', () => {
    const policy = (text: string) => parseScenarioText(withPolicy(text), 's.yaml').host.policy;
    expect(policy('proportional')).toEqual({ kind: 'proportional', periodMs: 10_000 });
    expect(policy('esx')).toEqual({ kind: 'esx', periodMs: 30_000, tau: 0.75, samples: 100, fastWeight: 0.5, slowWeight: 0.1 });
    expect(policy('mom')).toEqual({
      kind: 'mom',
      periodMs: 10_000,
      sampleIntervalMs: 5000,
      samples: 10,
      pressureThreshold: 0.2,
      criticalFree: 0.05,
      maxChange: 0.05,
      minChange: 0.0025,
    });
    expect(policy('senpai')).toEqual({
      kind: 'senpai',
      periodMs: 1000,
      pressureTargetMs: 10,
      probeIntervalMs: 6000,
      maxProbe: 0.01,
      maxBackoff: 1,
      coeffProbe: 10,
      coeffBackoff: 20,
      minSizeBytes: 100 * MiB,
    });
    expect(policy('xen-selfballoon')).toEqual({ kind: 'xen-selfballoon', periodMs: 5000, reserveBytes: 0, downHysteresis: 8, upHysteresis: 1, minUsableBytes: 0 });
    expect(policy('hyperv')).toEqual({ kind: 'hyperv', periodMs: 1000, buffer: 0.2 });
  });

  it('takes settings as percentages or fractions', () => {
    expect(parseScenarioText(withPolicy('{kind: esx, tau: 0%, period: 10s}'), 's.yaml').host.policy).toMatchObject({ tau: 0, periodMs: 10_000 });
    expect(parseScenarioText(withPolicy('{kind: esx, tau: 0.5}'), 's.yaml').host.policy).toMatchObject({ tau: 0.5 });
  });

  it('refuses a tax rate of 100 %, an unknown setting, and MOM thresholds out of order', () => {
    expect(issueAt(scenarioError(() => parseScenarioText(withPolicy('{kind: esx, tau: 100%}'), 's.yaml')), 'host.policy.tau').message).toMatch(/more than 99%/);
    const unknown = issueAt(scenarioError(() => parseScenarioText(withPolicy('{kind: esx, tax: 50%}'), 's.yaml')), 'host.policy.tax');
    expect(unknown.hint).toContain('tau');
    const mom = issueAt(scenarioError(() => parseScenarioText(withPolicy('{kind: mom, criticalFree: 30%}'), 's.yaml')), 'host.policy.criticalFree');
    expect(mom.message).toBe('criticalFree (30%) is above pressureThreshold (20%)');
  });

  it('resolves a module path relative to the scenario file, and says where it looked when it is missing', () => {
    const dir = temporaryDirectory('balloonsim-policy-');
    writeFileSync(join(dir, 'mine.mjs'), 'export function createPolicy() { return { decide: () => new Map() }; }\n');
    writeFileSync(join(dir, 'ok.yaml'), withPolicy('{kind: module, path: ./mine.mjs, period: 5s, options: {keep: 50%}}'));
    expect(loadScenarioFile(join(dir, 'ok.yaml')).host.policy).toEqual({ kind: 'module', periodMs: 5000, path: join(dir, 'mine.mjs'), options: { keep: '50%' } });
    writeFileSync(join(dir, 'missing.yaml'), withPolicy('{kind: module, path: ./nope.mjs}'));
    const issue = issueAt(scenarioError(() => loadScenarioFile(join(dir, 'missing.yaml'))), 'host.policy.path');
    expect(issue.message).toBe(`there is no policy module at "./nope.mjs" (looked for ${join(dir, 'nope.mjs')})`);
    expect(issue.line).toBe(3);
    expect(issueAt(scenarioError(() => parseScenarioText(withPolicy('module'), 's.yaml')), 'host.policy').message).toBe('this shorthand needs settings');
  });

  it('checks free-memory state thresholds and their order', () => {
    const text = 'host:\n  memory: 16GiB\n  freeMemoryStates: {soft: 5%}\nguests: [{name: web, memory: 1GiB}]\n';
    expect(parseScenarioText(text, 's.yaml').host.freeMemoryStates).toEqual({ high: 0.06, soft: 0.05, hard: 0.02, low: 0.01 });
    const wrong = text.replace('{soft: 5%}', '{soft: 8%}');
    expect(issueAt(scenarioError(() => parseScenarioText(wrong, 's.yaml')), 'host.freeMemoryStates.soft').message).toBe('soft (8%) is above high (6%)');
    expect(parseScenarioText(withPolicy('static'), 's.yaml').host.freeMemoryStates).toBeUndefined();
  });
});

describe('events', () => {
  const guests = '  - {name: web, memory: 4GiB}\n  - {name: batch, count: 2, memory: 1GiB}\n';

  it('reads every action, expands groups and keeps file order at the same time', () => {
    const text = yamlWithGuests(
      guests,
      'events:\n' +
        '  - {at: 1m, setTarget: {guest: web, memory: 1GiB, force: true}}\n' +
        '  - {at: 1m, setTarget: {guest: batch, memory: 50%, dryRun: true}}\n' +
        '  - {at: 2m, setPolicy: {kind: mom, period: 5s}}\n' +
        '  - {at: 3m, pausePolicy: true}\n' +
        '  - {at: 4m, resumePolicy: true}\n' +
        '  - {at: 5m, setShares: {guest: batch, shares: 500}}\n' +
        '  - {at: 6m, setReserved: 1GiB}\n' +
        '  - {at: 7m, setPolicy: static}\n',
    );
    expect(parseScenarioText(text, 's.yaml').events).toEqual([
      { atMs: 60_000, kind: 'setTarget', guest: 'web', target: { bytes: 2 ** 30 }, force: true },
      { atMs: 60_000, kind: 'setTarget', guest: 'batch-0', target: { percentOfMax: 50 }, dryRun: true },
      { atMs: 60_000, kind: 'setTarget', guest: 'batch-1', target: { percentOfMax: 50 }, dryRun: true },
      { atMs: 120_000, kind: 'setPolicy', policy: expect.objectContaining({ kind: 'mom', periodMs: 5000 }) },
      { atMs: 180_000, kind: 'pausePolicy' },
      { atMs: 240_000, kind: 'resumePolicy' },
      { atMs: 300_000, kind: 'setShares', guest: 'batch-0', shares: 500 },
      { atMs: 300_000, kind: 'setShares', guest: 'batch-1', shares: 500 },
      { atMs: 360_000, kind: 'setReserved', bytes: 2 ** 30 },
      { atMs: 420_000, kind: 'setPolicy', policy: { kind: 'static', periodMs: 1000 } },
    ]);
  });

  it('refuses a bare number as a target, a flag that is not true, and a reserve as large as the host', () => {
    const text = yamlWithGuests(
      guests,
      'events:\n  - {at: 1m, setTarget: {guest: web, memory: 512}}\n  - {at: 2m, pausePolicy: yes}\n',
    );
    const error = scenarioError(() => parseScenarioText(text, 's.yaml'));
    expect(issueAt(error, 'events[0].setTarget.memory').message).toMatch(/bare number/);
    expect(issueAt(error, 'events[1].pausePolicy').hint).toBe('write pausePolicy: true');
    const reserve = yamlWithGuests(guests, 'events:\n  - {at: 3m, setReserved: 16GiB}\n');
    expect(issueAt(scenarioError(() => parseScenarioText(reserve, 's.yaml')), 'events[0].setReserved').message).toBe('the reserve 16 GiB is not less than host memory (16 GiB)');
  });
});
