import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { issueAt, scenarioError, yamlWithGuests } from './support.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe('count expansion', () => {
  it('expands a group into name-0 .. name-(count-1), each with the same settings', () => {
    const text = yamlWithGuests('  - {name: web, memory: 1GiB}\n  - {name: batch, count: 3, memory: 2GiB, maxMemory: 3GiB, driver: xen}\n');
    const scenario = parseScenarioText(text, 's.yaml');
    expect(scenario.guests.map((guest) => guest.name)).toEqual(['web', 'batch-0', 'batch-1', 'batch-2']);
    for (const guest of scenario.guests.slice(1)) {
      expect(guest).toMatchObject({ memoryBytes: 2 * GiB, maxMemoryBytes: 3 * GiB, driver: { profile: 'xen' } });
    }
    expect(scenario.guests[1]?.driver).not.toBe(scenario.guests[2]?.driver);
  });

  it('names both entries when a name is used twice', () => {
    const text = yamlWithGuests('  - {name: batch, count: 3, memory: 1GiB}\n  - {name: batch-1, memory: 1GiB}\n');
    const issue = issueAt(scenarioError(() => parseScenarioText(text, 's.yaml')), 'guests[1].name');
    expect(issue.message).toBe('guest name "batch-1" is used twice: by guests[0] (batch, count 3) and by guests[1]');
    expect(issue.line).toBe(5);
  });

  it('refuses a guest named like a group', () => {
    const text = yamlWithGuests('  - {name: batch, count: 2, memory: 1GiB}\n  - {name: batch, memory: 1GiB}\n');
    expect(issueAt(scenarioError(() => parseScenarioText(text, 's.yaml')), 'guests[1].name').message).toMatch(/also the name of the group guests\[0\]/);
  });
});

describe('shorthands and YAML conveniences', () => {
  it('expands policy and driver shorthands with their defaults', () => {
    const text = 'host: {memory: 16GiB, policy: static}\nguests: [{name: a, memory: 1GiB, driver: hyperv}]\n';
    const scenario = parseScenarioText(text, 's.yaml');
    expect(scenario.host.policy).toEqual({ kind: 'static', periodMs: 1000 });
    expect(scenario.guests[0]?.driver).toEqual({ profile: 'hyperv', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false });
    const long = 'host: {memory: 16GiB, policy: {kind: static, period: 5s}}\nguests: [{name: a, memory: 1GiB, driver: {batch: 512, statsInterval: 0s}}]\n';
    const longScenario = parseScenarioText(long, 's.yaml');
    expect(longScenario.host.policy.periodMs).toBe(5000);
    expect(longScenario.guests[0]?.driver).toMatchObject({ profile: 'virtio', batchPages: 512, statsIntervalMs: 0 });
  });

  it('accepts YAML anchors and merge keys', () => {
    const text = 'host: {memory: 16GiB}\nguests:\n  - &base {name: a, memory: 1GiB, swap: 1GiB}\n  - {<<: *base, name: b}\n';
    expect(parseScenarioText(text, 's.yaml').guests.map((guest) => [guest.name, guest.swapBytes])).toEqual([
      ['a', GiB],
      ['b', GiB],
    ]);
  });
});

describe('guest defaults', () => {
  it('fills in maxMemory, minMemory, kernel, shares, swap, driver and workload names', () => {
    const text = yamlWithGuests('  - name: a\n    memory: 4GiB\n    workload: [{kind: anon, size: 1GiB}, {kind: file, size: 2GiB, hot: 0.25, name: cache}]\n');
    const [guest] = parseScenarioText(text, 's.yaml').guests;
    expect(guest).toEqual({
      name: 'a',
      memoryBytes: 4 * GiB,
      maxMemoryBytes: 4 * GiB,
      minMemoryBytes: 0,
      kernelBytes: Math.round(4 * GiB * 0.02),
      shares: 1000,
      swapBytes: 0,
      driver: { profile: 'virtio', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false },
      workload: [
        { kind: 'anon', name: 'anon-0', size: { kind: 'constant', bytes: GiB }, hotFraction: 1, order: 'sequential' },
        { kind: 'file', name: 'cache', size: { kind: 'constant', bytes: 2 * GiB }, hotFraction: 0.25, order: 'sequential' },
      ],
      // A Debian 12 guest's kernel settings: THP on, vm.watermark_scale_factor 10, page-cluster 3, 128 KiB readahead.
      linux: { thp: true, watermarkScale: 0.001, pageCluster: 3, readAheadBytes: 128 * 1024 },
    });
  });

  it('keeps the default kernel between 16MiB and a quarter of memory', () => {
    const text = yamlWithGuests('  - {name: small, memory: 256MiB}\n  - {name: tiny, memory: 32MiB}\n  - {name: set, memory: 1GiB, kernel: 10%}\n');
    const [small, tiny, set] = parseScenarioText(text, 's.yaml').guests;
    expect(small?.kernelBytes).toBe(16 * MiB);
    expect(tiny?.kernelBytes).toBe(8 * MiB);
    expect(set?.kernelBytes).toBe(Math.round(GiB / 10));
  });
});

describe('events', () => {
  const guests = '  - {name: web, memory: 2GiB, maxMemory: 4GiB}\n  - {name: batch, count: 3, memory: 1GiB}\n';

  it('applies an event naming a group to each member, in member order, sorted stably by time', () => {
    const events =
      'events:\n' +
      '  - {at: 5m, crash: web}\n' +
      '  - {at: 1m, setTarget: {guest: batch, memory: 50%}}\n' +
      '  - {at: 1m, setTarget: {guest: web, memory: 3GiB}}\n' +
      '  - {at: 30s, crash: batch-1}\n';
    const scenario = parseScenarioText(yamlWithGuests(guests, events), 's.yaml');
    expect(scenario.events).toEqual([
      { atMs: 30_000, kind: 'crash', guest: 'batch-1' },
      { atMs: 60_000, kind: 'setTarget', guest: 'batch-0', target: { percentOfMax: 50 } },
      { atMs: 60_000, kind: 'setTarget', guest: 'batch-1', target: { percentOfMax: 50 } },
      { atMs: 60_000, kind: 'setTarget', guest: 'batch-2', target: { percentOfMax: 50 } },
      { atMs: 60_000, kind: 'setTarget', guest: 'web', target: { bytes: 3 * GiB } },
      { atMs: 300_000, kind: 'crash', guest: 'web' },
    ]);
  });

  it('lists known guests for an unknown name, with a did-you-mean', () => {
    const text = yamlWithGuests(guests, 'events:\n  - {at: 5m, crash: wbe}\n');
    const issue = issueAt(scenarioError(() => parseScenarioText(text, 's.yaml')), 'events[0].crash');
    expect(issue.message).toBe('there is no guest or group named "wbe"');
    expect(issue.hint).toBe('did you mean "web"? guests: batch (group of 3), web');
    expect(issue).toMatchObject({ line: 7, column: 21 });
  });

  it('refuses a target above the guest maxMemory', () => {
    const text = yamlWithGuests(guests, 'events:\n  - {at: 5m, setTarget: {guest: web, memory: 5GiB}}\n');
    const issue = issueAt(scenarioError(() => parseScenarioText(text, 's.yaml')), 'events[0].setTarget.memory');
    expect(issue.message).toBe("the target 5 GiB is more than web's maxMemory (4 GiB)");
  });
});

describe('duration override', () => {
  const text =
    'duration: 10m\nhost: {memory: 16GiB}\nguests:\n  - name: a\n    memory: 1GiB\n' +
    '    workload: [{kind: anon, size: {ramp: {from: 0B, to: 1GiB}}}, {kind: anon, size: {ramp: {from: 0B, to: 1GiB, end: 5m}}}]\n';

  it('replaces the duration; ramps without end follow it', () => {
    const scenario = parseScenarioText(text, 's.yaml', { durationOverrideMs: 120_000 });
    expect(scenario.durationMs).toBe(120_000);
    const [open, closed] = scenario.guests[0]?.workload ?? [];
    expect(open?.size).toMatchObject({ kind: 'ramp', endMs: 120_000 });
    expect(closed?.size).toMatchObject({ kind: 'ramp', endMs: 300_000 });
    expect(parseScenarioText(text, 's.yaml').guests[0]?.workload[0]?.size).toMatchObject({ endMs: 600_000 });
  });

  it('checks tick against the override', () => {
    const issue = issueAt(scenarioError(() => parseScenarioText(text, 's.yaml', { durationOverrideMs: 500 })), 'tick');
    expect(issue.message).toBe('tick (1s) is longer than the duration (500ms, from the duration override)');
  });

  it('refuses an override that is not a positive whole number of ms', () => {
    expect(() => parseScenarioText(text, 's.yaml', { durationOverrideMs: 0 })).toThrow(/durationOverrideMs/);
  });
});

describe('curves', () => {
  it('maps every curve kind onto SizeCurve', () => {
    const text = yamlWithGuests(
      '  - name: a\n    memory: 4GiB\n    workload:\n' +
        '      - {kind: anon, size: {constant: 1GiB}}\n' +
        '      - {kind: anon, size: {steps: [[1m, 1GiB], {at: 2m, size: 2GiB}]}}\n' +
        '      - {kind: anon, size: {ramp: {from: 1GiB, to: 2GiB, start: 1m, end: 2m}}}\n' +
        '      - {kind: anon, size: {sine: {min: 1GiB, max: 2GiB, period: 1h, phase: 15m}}}\n' +
        '      - {kind: anon, size: {bursts: {base: 256MiB, peak: 2GiB, every: 3m, length: 1m}}}\n',
    );
    const sizes = parseScenarioText(text, 's.yaml').guests[0]?.workload.map((component) => component.size);
    expect(sizes).toEqual([
      { kind: 'constant', bytes: GiB },
      { kind: 'steps', steps: [{ atMs: 0, bytes: 0 }, { atMs: 60_000, bytes: GiB }, { atMs: 120_000, bytes: 2 * GiB }] },
      { kind: 'ramp', fromBytes: GiB, toBytes: 2 * GiB, startMs: 60_000, endMs: 120_000 },
      { kind: 'sine', minBytes: GiB, maxBytes: 2 * GiB, periodMs: 3_600_000, phaseMs: 900_000 },
      { kind: 'bursts', baseBytes: 256 * MiB, peakBytes: 2 * GiB, meanGapMs: 180_000, meanLengthMs: 60_000 },
    ]);
  });
});
