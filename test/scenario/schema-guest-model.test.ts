/** The scenario fields of the guest memory model: fault costs and how components touch their pages. */
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { FAULT_LATENCY_DEFAULTS } from '../../src/model/defaults.js';
import { issueAt, scenarioError, yamlWithGuests } from './support.js';

describe('guest memory model fields', () => {
  it('resolve fault costs and access settings, leaving them out when not given', () => {
    const text = yamlWithGuests(
      '  - name: a\n    memory: 1GiB\n    faults: { major: 1ms }\n    workload:\n      - { kind: anon, size: 512MiB, hot: 30%, hotTouchEvery: 2s, skew: 8, coldTouchEvery: 10m }\n      - { kind: file, size: 128MiB }\n',
    );
    const [guest] = parseScenarioText(text, 's.yaml').guests;
    expect(guest!.faultLatency).toEqual({ minorMs: FAULT_LATENCY_DEFAULTS.minorMs, majorMs: 1, refaultMs: FAULT_LATENCY_DEFAULTS.refaultMs });
    expect(guest!.workload[0]).toMatchObject({ hotFraction: 0.3, hotTouchIntervalMs: 2000, skew: 8, coldTouchIntervalMs: 600_000 });
    expect(guest!.workload[1]).toEqual({ kind: 'file', name: 'file-1', size: { kind: 'constant', bytes: 128 * 2 ** 20 }, hotFraction: 1, order: 'sequential' });
    expect('restartAfterMs' in guest!.workload[0]!).toBe(false);
    const plain = parseScenarioText(yamlWithGuests('  - {name: b, memory: 1GiB}\n'), 's.yaml').guests[0]!;
    expect('faultLatency' in plain).toBe(false);
  });

  it('resolve restart, file access and order, and the guest kernel settings', () => {
    const text = yamlWithGuests(
      '  - name: a\n    memory: 1GiB\n    linux: { transparentHugePages: never, minFree: 64MiB, watermarkScale: 1%, pageCluster: 0, readAhead: 0B }\n    workload:\n      - { kind: anon, size: 512MiB, restart: 30s, order: random }\n      - { kind: file, size: 128MiB, access: mmap }\n',
    );
    const [guest] = parseScenarioText(text, 's.yaml').guests;
    expect(guest!.workload[0]).toMatchObject({ restartAfterMs: 30_000, order: 'random' });
    expect(guest!.workload[1]).toMatchObject({ access: 'mmap', order: 'sequential' });
    expect(guest!.linux).toEqual({ thp: false, minFreeBytes: 64 * 2 ** 20, watermarkScale: 0.01, pageCluster: 0, readAheadBytes: 0 });
    expect(() => parseScenarioText(yamlWithGuests('  - {name: b, memory: 1GiB, workload: [{kind: anon, size: 1GiB, access: mmap}]}\n'), 's.yaml')).toThrow(/access: mmap is for file components/);
    expect(() => parseScenarioText(yamlWithGuests('  - {name: b, memory: 1GiB, workload: [{kind: anon, size: 1GiB, restart: soon}]}\n'), 's.yaml')).toThrow(/restart/);
  });

  it('point at a bare-number latency and a bad skew with their paths and lines', () => {
    const error = scenarioError(() =>
      parseScenarioText(yamlWithGuests('  - name: a\n    memory: 1GiB\n    faults: { major: 150 }\n    workload: [{ kind: anon, size: 1GiB, skew: 0.5 }]\n'), 's.yaml'),
    );
    const latency = issueAt(error, 'guests[0].faults.major');
    expect(latency.message).toMatch(/has no unit; accepted units: ns, us/);
    expect(latency.line).toBe(6);
    expect(issueAt(error, 'guests[0].workload[0].skew').message).toMatch(/skew 0.5 is below 1/);
  });

  it('refuse a watermarkScale above 10 % (the most vm.watermark_scale_factor takes) at its line, not in the middle of the run', () => {
    const error = scenarioError(() => parseScenarioText(yamlWithGuests('  - name: a\n    memory: 1GiB\n    linux: { watermarkScale: 50% }\n'), 's.yaml'));
    expect(issueAt(error, 'guests[0].linux.watermarkScale')).toMatchObject({ message: expect.stringMatching(/^50% is more than 10%/), hint: 'use at most 10% (0.1)', line: 6 });
    expect(parseScenarioText(yamlWithGuests('  - name: a\n    memory: 1GiB\n    linux: { watermarkScale: 0.1 }\n'), 's.yaml').guests[0]!.linux!.watermarkScale).toBe(0.1);
  });

  it('suggest the right key for a misspelt one', () => {
    const error = scenarioError(() => parseScenarioText(yamlWithGuests('  - name: a\n    memory: 1GiB\n    faults: { majr: 1ms }\n'), 's.yaml'));
    expect(issueAt(error, 'guests[0].faults.majr').hint).toMatch(/^did you mean "major"\?/);
  });
});
