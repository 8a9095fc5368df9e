/**
 * The policy file format parses straight into the resolved specs: each
 * setting under its resolved name without the unit, and back again.
 */
import { describe, expect, it } from 'vitest';
import type { PolicySpec } from '../../src/model/policy-spec.js';
import { formatBytes, formatDuration } from '../../src/model/units.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { POLICY_KINDS, freeMemoryStatesSchema, policyFileOf, policySchema } from '../../src/scenario/schema-policy.js';
import { issueAt, scenarioError } from './support.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const units = { duration: formatDuration, size: (bytes: number) => formatBytes(bytes).replace(' ', '') };

function parsed(input: unknown): PolicySpec {
  const result = policySchema.safeParse(input);
  if (!result.success) throw new Error(`expected ${JSON.stringify(input)} to parse: ${JSON.stringify(result.error.issues)}`);
  return result.data;
}

/** Every kind with settings that are not its defaults, as a file writes them, and the spec they make. */
const CHANGED: ReadonlyArray<{ file: Record<string, unknown>; spec: PolicySpec }> = [
  { file: { kind: 'static', period: '2s' }, spec: { kind: 'static', periodMs: 2000 } },
  { file: { kind: 'proportional', period: '1m' }, spec: { kind: 'proportional', periodMs: 60_000 } },
  {
    file: { kind: 'esx', period: '15s', tau: '50%', samples: 200, fastWeight: 0.25, slowWeight: '5%' },
    spec: { kind: 'esx', periodMs: 15_000, tau: 0.5, samples: 200, fastWeight: 0.25, slowWeight: 0.05 },
  },
  {
    file: { kind: 'mom', period: '20s', sampleInterval: '2s', samples: 5, pressureThreshold: '30%', criticalFree: '10%', maxChange: '2%', minChange: '1%' },
    spec: { kind: 'mom', periodMs: 20_000, sampleIntervalMs: 2000, samples: 5, pressureThreshold: 0.3, criticalFree: 0.1, maxChange: 0.02, minChange: 0.01 },
  },
  {
    file: { kind: 'senpai', period: '2s', pressureTarget: '20ms', probeInterval: '3s', maxProbe: '2%', maxBackoff: '50%', coeffProbe: 5, coeffBackoff: 2.5, minSize: '1GiB' },
    spec: { kind: 'senpai', periodMs: 2000, pressureTargetMs: 20, probeIntervalMs: 3000, maxProbe: 0.02, maxBackoff: 0.5, coeffProbe: 5, coeffBackoff: 2.5, minSizeBytes: GiB },
  },
  {
    file: { kind: 'xen-selfballoon', period: '10s', reserve: '64MiB', downHysteresis: 4, upHysteresis: 2, minUsable: '256MiB' },
    spec: { kind: 'xen-selfballoon', periodMs: 10_000, reserveBytes: 64 * MiB, downHysteresis: 4, upHysteresis: 2, minUsableBytes: 256 * MiB },
  },
  { file: { kind: 'hyperv', period: '5s', buffer: '40%' }, spec: { kind: 'hyperv', periodMs: 5000, buffer: 0.4 } },
  {
    file: { kind: 'module', path: './keep-free.mjs', period: '3s', options: { free: '10%' } },
    spec: { kind: 'module', path: './keep-free.mjs', periodMs: 3000, options: { free: '10%' } },
  },
  { file: { kind: 'rotate', period: '1m', low: '25%', groups: 3 }, spec: { kind: 'rotate', periodMs: 60_000, lowPercentOfMax: 25, groups: 3 } },
];

describe('the policy file format', () => {
  it('has a case of every kind here', () => {
    expect(new Set(CHANGED.map((entry) => entry.spec.kind))).toEqual(new Set(POLICY_KINDS));
  });

  it.each(CHANGED)('parses $file.kind straight into its resolved spec, keys in the file order', ({ file, spec }) => {
    const result = parsed(file);
    expect(result).toEqual(spec);
    expect(Object.keys(result)).toEqual(Object.keys(spec));
  });

  it.each(CHANGED)('writes $file.kind back as the file did, and that reads back as the same spec', ({ file, spec }) => {
    const written = policyFileOf(spec, units);
    expect(Object.keys(written)).toEqual(Object.keys(file));
    expect(parsed(written)).toEqual(spec);
  });

  it.each(POLICY_KINDS.filter((kind) => kind !== 'module'))('writes the defaults of %s back so that they read back the same', (kind) => {
    const spec = parsed(kind);
    expect(parsed(policyFileOf(spec, units))).toEqual(spec);
    expect(parsed({ kind })).toEqual(spec);
  });

  it('writes each setting under its resolved name without the unit', () => {
    expect(policyFileOf({ kind: 'senpai', periodMs: 1500, pressureTargetMs: 10, probeIntervalMs: 6000, maxProbe: 0.01, maxBackoff: 1, coeffProbe: 10, coeffBackoff: 20, minSizeBytes: 1536 * MiB }, units)).toEqual({
      kind: 'senpai',
      period: '1.5s',
      pressureTarget: '10ms',
      probeInterval: '6s',
      maxProbe: 0.01,
      maxBackoff: 1,
      coeffProbe: 10,
      coeffBackoff: 20,
      minSize: '1.5GiB',
    });
    expect(policyFileOf({ kind: 'rotate', periodMs: 30_000, lowPercentOfMax: 12.5, groups: 4 }, units)).toEqual({ kind: 'rotate', period: '30s', low: '12.5%', groups: 4 });
  });

  it('refuses a resolved name in the file, naming the key the file uses', () => {
    const result = policySchema.safeParse({ kind: 'mom', periodMs: 10_000 });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('unrecognized_keys');
  });

  it('refuses a size as the rotate policy\'s low, at the low key, with a hint', () => {
    const error = scenarioError(() => parseScenarioText('host:\n  memory: 16GiB\n  policy: {kind: rotate, low: 2GiB}\nguests: [{name: a, memory: 1GiB}]\n', 's.yaml'));
    expect(issueAt(error, 'host.policy.low')).toEqual({
      path: 'host.policy.low',
      message: "the rotate policy takes low as a percentage of each guest's maxMemory (its guests may differ in size)",
      hint: 'for example low: 50%',
      line: 3,
      column: 31,
    });
  });

  it('refuses a tax rate above 99 % and a zero period', () => {
    expect(policySchema.safeParse({ kind: 'esx', tau: '100%' }).success).toBe(false);
    expect(policySchema.safeParse({ kind: 'esx', tau: '99%' }).success).toBe(true);
    expect(policySchema.safeParse({ kind: 'static', period: '0s' }).success).toBe(false);
  });

  it('refuses a moving-average weight of 0 (the ESX estimator cannot start from it) at its line, in the host and in setPolicy', () => {
    const error = scenarioError(() =>
      parseScenarioText('host:\n  memory: 16GiB\n  policy: {kind: esx, fastWeight: 0%}\nguests: [{name: a, memory: 1GiB}]\nevents:\n  - {at: 1m, setPolicy: {kind: esx, slowWeight: 0}}\n', 's.yaml'),
    );
    expect(issueAt(error, 'host.policy.fastWeight')).toMatchObject({ message: '0% is zero, but it must be more than 0 (a weight of 0 never lets a sample in)', line: 3 });
    expect(issueAt(error, 'events[0].setPolicy.slowWeight')).toMatchObject({ message: expect.stringMatching(/^0% is zero/), line: 6 });
    expect(policySchema.safeParse({ kind: 'esx', fastWeight: '1%', slowWeight: 1 }).success).toBe(true);
  });

  it('words a tax rate above 99 % as a percentage', () => {
    const error = scenarioError(() => parseScenarioText('host:\n  memory: 16GiB\n  policy: {kind: esx, tau: 100%}\nguests: [{name: a, memory: 1GiB}]\n', 's.yaml'));
    expect(issueAt(error, 'host.policy.tau')).toMatchObject({ message: '100% is more than 99%', hint: 'use at most 99% (0.99)' });
  });
});

describe('the free-memory states format', () => {
  it("defaults to ESX's thresholds and reads percentages", () => {
    expect(freeMemoryStatesSchema.parse({})).toEqual({ high: 0.06, soft: 0.04, hard: 0.02, low: 0.01 });
    expect(freeMemoryStatesSchema.parse({ high: '10%', low: 0 })).toEqual({ high: 0.1, soft: 0.04, hard: 0.02, low: 0 });
  });
});
