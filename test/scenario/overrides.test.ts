/** `--set PATH=VALUE`: a change to the file's content before it is resolved. */
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { applyOverrides, parseOverride, parseOverridePath } from '../../src/scenario/overrides.js';
import { issueAt, scenarioError } from './support.js';

function withPolicy(policy: string, rest = ''): string {
  return `host:\n  memory: 16GiB\n  policy: ${policy}\nguests: [{name: web, memory: 1GiB}]\n${rest}`;
}

describe('--set overrides', () => {
  it('reads paths with dots and brackets', () => {
    expect(parseOverridePath('host.policy.tau')).toEqual(['host', 'policy', 'tau']);
    expect(parseOverridePath('guests[0].memory')).toEqual(['guests', 0, 'memory']);
    expect(parseOverridePath('guests.1.driver.batch')).toEqual(['guests', 1, 'driver', 'batch']);
    expect(parseOverridePath('host..x')).toBeNull();
    expect(() => parseOverride('tau')).toThrow(/--set takes PATH=VALUE/);
    expect(parseOverride('host.policy={kind: mom}')).toEqual({ path: 'host.policy', value: '{kind: mom}' });
  });

  it('changes a setting as if it were written in the file, expanding shorthands on the way', () => {
    const text = withPolicy('esx', 'events: [{at: 1m, setPolicy: mom}]\n');
    const scenario = parseScenarioText(text, 's.yaml', { overrides: [parseOverride('host.policy.tau=0'), parseOverride('guests[0].memory=2GiB'), parseOverride('events[0].setPolicy.period=20s')] });
    expect(scenario.host.policy).toMatchObject({ kind: 'esx', tau: 0 });
    expect(scenario.guests[0]?.memoryBytes).toBe(2 * 2 ** 30);
    expect(scenario.events[0]).toMatchObject({ kind: 'setPolicy', policy: { kind: 'mom', periodMs: 20_000 } });
  });

  it('blames the override, not the file, for a bad value', () => {
    const error = scenarioError(() => parseScenarioText(withPolicy('esx'), 's.yaml', { overrides: [parseOverride('host.policy.tau=2')] }));
    const issue = issueAt(error, 'host.policy.tau');
    expect(issue.message).toMatch(/\(from --set host\.policy\.tau=2\)$/);
    expect(issue.line).toBeUndefined();
  });

  it('says why a path cannot be set', () => {
    expect(() => applyOverrides({ guests: [] }, [parseOverride('guests[3].memory=1GiB')], 's.yaml')).toThrow(/guests\[3\] is not an item of a list of 0|not an item/);
    expect(() => applyOverrides({ name: 'x' }, [parseOverride('name.first=1')], 's.yaml')).toThrow(/name is "x", not a mapping or a list/);
  });
});
