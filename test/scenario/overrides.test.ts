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

  it('refuses a __proto__ step with the reason, leaving every other object alone', () => {
    expect(() => parseOverride('__proto__.x=1')).toThrow(/^--set takes PATH=VALUE, .*; got "__proto__\.x=1" \("__proto__\.x": there is no setting named __proto__ \(a path names keys of the scenario file\)\)$/);
    expect(() => parseOverride('host.__proto__.x=1')).toThrow(/there is no setting named __proto__/);
    // A key every object inherits is not in the file: it is created as any missing key is, and the schema names it.
    const error = scenarioError(() => parseScenarioText(withPolicy('esx'), 's.yaml', { overrides: [parseOverride('host.constructor.x=1')] }));
    expect(issueAt(error, 'host.constructor').message).toMatch(/unknown key "constructor"/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('makes a list the file does not have when the path indexes into it', () => {
    const scenario = parseScenarioText(withPolicy('esx'), 's.yaml', { overrides: [parseOverride('events[0]={at: 1m, crash: web}')] });
    expect(scenario.events).toEqual([expect.objectContaining({ kind: 'crash', atMs: 60_000 })]);
    expect(() => applyOverrides({ host: {} }, [parseOverride('events[0].at=1s')], 's.yaml')).toThrow(/--set events\[0\]\.at: events\[0\] is not an item of a list of 0/);
    expect(() => applyOverrides({ host: {} }, [parseOverride('guests[name=web].memory=1GiB')], 's.yaml')).toThrow(/guests\[name=web\] has no item with name web/);
  });

  it('says why a path cannot be set', () => {
    expect(() => applyOverrides({ guests: [] }, [parseOverride('guests[3].memory=1GiB')], 's.yaml')).toThrow(/guests\[3\] is not an item of a list of 0|not an item/);
    expect(() => applyOverrides({ name: 'x' }, [parseOverride('name.first=1')], 's.yaml')).toThrow(/name is "x", not a mapping or a list/);
  });

  // docs/cli.md shows --set 'guests[name=web].memory=2GiB'; --set refused it as "not PATH=VALUE".
  it('picks a list item by the value of one of its keys, as sweep grids do', () => {
    expect(parseOverridePath('guests[name=web-b.2].driver.batch')).toEqual(['guests', { key: 'name', value: 'web-b.2' }, 'driver', 'batch']);
    expect(parseOverridePath('guests[name=]')).toBeNull();
    expect(parseOverridePath('guests.')).toBeNull();
    const text = 'host: {memory: 16GiB}\nguests: [{name: web, memory: 1GiB}, {name: db, memory: 1GiB}]\n';
    const scenario = parseScenarioText(text, 's.yaml', { overrides: [parseOverride('guests[name=db].memory=3GiB'), parseOverride('guests[name=web].driver=xen')] });
    expect(scenario.guests.map((guest) => guest.memoryBytes)).toEqual([2 ** 30, 3 * 2 ** 30]);
    expect(scenario.guests[0]?.driver.profile).toBe('xen');
    expect(() => applyOverrides({ guests: [{ name: 'web' }, { name: 'db' }] }, [parseOverride('guests[name=dbx].memory=1GiB')], 's.yaml')).toThrow(/guests\[name=dbx\] has no item with name dbx \(there are: web, db\)/);
    expect(() => applyOverrides({ host: { memory: '1GiB' } }, [parseOverride('host[name=x].memory=1GiB')], 's.yaml')).toThrow(/host is not a list, so \[name=x\] picks nothing in it/);
  });

  it('blames the override for a bad value set through a selector, at the item it picked', () => {
    const text = 'host: {memory: 16GiB}\nguests: [{name: web, memory: 1GiB}, {name: db, memory: 1GiB}]\n';
    const error = scenarioError(() => parseScenarioText(text, 's.yaml', { overrides: [parseOverride('guests[name=db].memory=12')] }));
    const issue = issueAt(error, 'guests[1].memory');
    expect(issue.message).toMatch(/\(from --set guests\[name=db\]\.memory=12\)$/);
    expect(issue.line).toBeUndefined();
  });
});
