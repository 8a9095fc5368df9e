/** The scenario syntax of hostile guests, quarantine, fault plans and the rotate policy: what it resolves to, and how mistakes are worded. */
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { issueAt, scenarioError, yamlWithGuests } from './support.js';

const GUESTS = '  - { name: web, memory: 4GiB }\n  - { name: batch, count: 3, memory: 2GiB }\n';

describe('hostile guests and quarantine', () => {
  it('resolves behaviour: hostile with every attack, and the long form with its settings', () => {
    const s = parseScenarioText(
      yamlWithGuests(`  - { name: web, memory: 1GiB }\n  - { name: mallory, memory: 1GiB, behaviour: hostile }\n  - { name: eve, memory: 1GiB, behaviour: { kind: hostile, every: 10s, attacks: [forged, flood, forged], flood: 99 } }\n`),
      's.yaml',
    );
    expect(s.guests[0]!.hostile).toBeUndefined();
    expect(s.guests[1]!.hostile).toEqual({ everyMs: 5000, attacks: ['forged', 'not-owned', 'repeated', 'out-of-range', 'absurd-count', 'flood', 'malformed'], floodMessages: 2000 });
    expect(s.guests[2]!.hostile).toEqual({ everyMs: 10_000, attacks: ['forged', 'flood'], floodMessages: 99 });
    expect(s.host.quarantineAfterViolations, 'never, unless the file says').toBeUndefined();
  });

  it('names an unknown attack and lists the known ones', () => {
    const error = scenarioError(() => parseScenarioText(yamlWithGuests('  - { name: m, memory: 1GiB, behaviour: { kind: hostile, attacks: [smash] } }\n'), 's.yaml'));
    const issue = issueAt(error, 'guests[0].behaviour.attacks[0]');
    expect(`${issue.message} ${issue.hint ?? ''}`).toMatch(/forged/);
  });

  it('takes host.quarantineAfter as a whole number', () => {
    const s = parseScenarioText('host: { memory: 4GiB, quarantineAfter: 0 }\nguests: [ { name: a, memory: 1GiB } ]\n', 's.yaml');
    expect(s.host.quarantineAfterViolations).toBe(0);
    const error = scenarioError(() => parseScenarioText('host: { memory: 4GiB, quarantineAfter: lots }\nguests: [ { name: a, memory: 1GiB } ]\n', 's.yaml'));
    expect(issueAt(error, 'host.quarantineAfter').message).toMatch(/whole number/);
  });
});

describe('faults', () => {
  it('resolves crashes (groups expand), random faults and message delays, with the phases', () => {
    const s = parseScenarioText(
      yamlWithGuests(
        GUESTS,
        'duration: 10m\nfaults:\n  until: 5m\n  settle: 1m\n  crashes:\n    - { at: 2m, guest: batch, how: kill-worker }\n    - { at: 1m, guest: web }\n  random: { throws: 3 }\n  messages: { delayed: 25%, maxDelay: 4 }\n',
      ),
      's.yaml',
    );
    expect(s.faults).toEqual({
      untilMs: 300_000,
      settleMs: 60_000,
      crashes: [
        { atMs: 60_000, guest: 'web', how: 'throw' },
        { atMs: 120_000, guest: 'batch-0', how: 'kill-worker' },
        { atMs: 120_000, guest: 'batch-1', how: 'kill-worker' },
        { atMs: 120_000, guest: 'batch-2', how: 'kill-worker' },
      ],
      randomThrows: 3,
      randomKills: 0,
      delayFraction: 0.25,
      delayTurnsMax: 4,
    });
  });

  it('defaults the safety phase to the whole run', () => {
    const s = parseScenarioText(yamlWithGuests(GUESTS, 'duration: 10m\nfaults: { random: { throws: 1 } }\n'), 's.yaml');
    expect(s.faults).toMatchObject({ untilMs: 600_000, settleMs: 120_000 });
  });

  it('refuses a crash in the liveness phase and an unknown guest', () => {
    const error = scenarioError(() => parseScenarioText(yamlWithGuests(GUESTS, 'faults:\n  until: 1m\n  crashes:\n    - { at: 2m, guest: web }\n    - { at: 10s, guest: wbe }\n'), 's.yaml'));
    expect(issueAt(error, 'faults.crashes[0].at').message).toMatch(/not before faults.until/);
    expect(issueAt(error, 'faults.crashes[1].guest').hint).toMatch(/did you mean "web"/);
  });

  it('suggests the key a typo meant', () => {
    const error = scenarioError(() => parseScenarioText(yamlWithGuests(GUESTS, 'faults:\n  randon: { throws: 1 }\n'), 's.yaml'));
    expect(issueAt(error, 'faults.randon').hint).toMatch(/did you mean "random"/);
  });
});

describe('the rotate policy', () => {
  it('resolves with its defaults and refuses a size for low', () => {
    const s = parseScenarioText('host: { memory: 4GiB, policy: rotate }\nguests: [ { name: a, memory: 1GiB } ]\n', 's.yaml');
    expect(s.host.policy).toEqual({ kind: 'rotate', periodMs: 30_000, lowPercentOfMax: 50, groups: 4 });
    const error = scenarioError(() => parseScenarioText('host: { memory: 4GiB, policy: { kind: rotate, low: 1GiB } }\nguests: [ { name: a, memory: 1GiB } ]\n', 's.yaml'));
    expect(issueAt(error, 'host.policy.low').message).toMatch(/percentage/);
  });
});
