import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { scenarioFileSchema } from '../../src/scenario/schema.js';
import { issueAt, scenarioError, yamlWithGuests } from './support.js';

const UNITS = 'B, KiB, MiB, GiB, TiB (powers of 2) or KB, MB, GB, TB (powers of 10)';

describe('schema errors', () => {
  it('reports a bare number with its path, the accepted units, a line and a column', () => {
    const text = yamlWithGuests('  - name: web\n    memory: 512\n');
    const error = scenarioError(() => parseScenarioText(text, 'two.yaml'));
    const issue = issueAt(error, 'guests[0].memory');
    expect(issue.message).toContain(UNITS);
    expect(issue.hint).toBe('for example 512MiB');
    expect(issue).toMatchObject({ line: 5, column: 13 });
    expect(error.format()).toBe(`two.yaml:5:13: guests[0].memory: 512 is a bare number, but a size needs a unit: ${UNITS} (for example 512MiB)`);
  });

  it('does the same for JSON', () => {
    const text = '{\n  "host": {"memory": "16GiB"},\n  "guests": [{"name": "web", "memory": 512}]\n}\n';
    const issue = issueAt(scenarioError(() => parseScenarioText(text, 'two.json')), 'guests[0].memory');
    expect(issue.message).toContain(UNITS);
    expect(issue).toMatchObject({ line: 3, column: 40 });
  });

  it('names an unknown key, points at the key, and suggests the close one', () => {
    const text = yamlWithGuests('  - name: web\n    memroy: 4GiB\n');
    const error = scenarioError(() => parseScenarioText(text, 's.yaml'));
    const unknown = issueAt(error, 'guests[0].memroy');
    expect(unknown.message).toBe('unknown key "memroy"');
    expect(unknown.hint).toMatch(/^did you mean "memory"\? allowed here: name, count, memory/);
    expect(unknown).toMatchObject({ line: 5, column: 5 });
    expect(issueAt(error, 'guests[0].memory').message).toBe('missing required key "memory"');
  });

  it('lists the allowed keys when nothing is close', () => {
    const text = yamlWithGuests('  - name: web\n    memory: 4GiB\n    colour: blue\n');
    const issue = issueAt(scenarioError(() => parseScenarioText(text, 's.yaml')), 'guests[0].colour');
    expect(issue.hint).toMatch(/^allowed here: /);
  });

  it('refuses bits in a size with the hint', () => {
    const text = yamlWithGuests('  - name: web\n    memory: 512Mb\n');
    const issue = issueAt(scenarioError(() => parseScenarioText(text, 's.yaml')), 'guests[0].memory');
    expect(issue.hint).toBe('b is bits; write MB (10^6 bytes) or MiB (2^20 bytes)');
  });

  it('names an unknown policy kind and the known ones', () => {
    const text = 'host:\n  memory: 16GiB\n  policy: {kind: moms}\nguests: [{name: a, memory: 1GiB}]\n';
    const issue = issueAt(scenarioError(() => parseScenarioText(text, 's.yaml')), 'host.policy.kind');
    expect(issue.message).toBe('unknown kind "moms"');
    expect(issue.hint).toContain('mom');
    expect(issue.hint).toContain('static');
  });

  it('words enum, boolean, integer and fraction mistakes', () => {
    const text = yamlWithGuests(
      '  - name: web\n    memory: 1GiB\n    driver: {profile: virtoi, batch: 0, deflateOnOom: yes}\n    workload: [{kind: anon, size: 1GiB, hot: 60}]\n',
    );
    const error = scenarioError(() => parseScenarioText(text, 's.yaml'));
    expect(issueAt(error, 'guests[0].driver.profile')).toMatchObject({ message: '"virtoi" is not one of virtio, vmware, xen, hyperv', hint: 'did you mean "virtio"?' });
    expect(issueAt(error, 'guests[0].driver.batch').message).toBe('expected a whole number from 1 to 4096, got 0');
    expect(issueAt(error, 'guests[0].driver.deflateOnOom').message).toBe('expected true or false, got "yes"');
    expect(issueAt(error, 'guests[0].workload[0].hot')).toMatchObject({ hint: 'write 60% or 0.6' });
  });

  it('picks the branch of a union the user meant', () => {
    const text = yamlWithGuests(
      '  - name: web\n    memory: 1GiB\n    workload:\n      - {kind: anon, size: {sine: {min: 1GiB, max: 2GiB}}}\n      - {kind: anon, size: {sin: {}}}\n      - {kind: anon, size: 5}\n',
    );
    const error = scenarioError(() => parseScenarioText(text, 's.yaml'));
    expect(issueAt(error, 'guests[0].workload[0].size.sine.period').message).toBe('missing required key "period"');
    expect(issueAt(error, 'guests[0].workload[1].size.sin').hint).toMatch(/^did you mean "sine"\?/);
    expect(issueAt(error, 'guests[0].workload[2].size').message).toContain(UNITS);
    expect(error.issues).toHaveLength(3);
  });

  it('wants exactly one action per event', () => {
    const text = yamlWithGuests('  - name: web\n    memory: 1GiB\n', 'events:\n  - {at: 1m}\n  - {at: 2m, crash: web, setTarget: {guest: web, memory: 1GiB}}\n');
    const error = scenarioError(() => parseScenarioText(text, 's.yaml'));
    expect(issueAt(error, 'events[0]').message).toBe('an event needs one of setTarget, crash, setPolicy, pausePolicy, resumePolicy, setShares, setReserved, hotplug, resendTarget');
    expect(issueAt(error, 'events[1]').message).toBe('an event has setTarget and crash; it needs exactly one of them');
  });

  it('reports YAML syntax errors with a position', () => {
    const error = scenarioError(() => parseScenarioText('host: {memory: 16GiB\nguests: []\n', 's.yaml'));
    expect(error.issues[0]).toMatchObject({ path: '', line: 2, column: 1 });
    expect(error.issues[0]?.message).toMatch(/^not valid YAML or JSON: /);
    const duplicate = scenarioError(() => parseScenarioText('host: {memory: 16GiB}\nhost: {memory: 1GiB}\n', 's.yaml'));
    expect(duplicate.issues[0]).toMatchObject({ line: 2, hint: 'each key may appear once in a mapping' });
  });

  it('explains an empty file and a file that is not a mapping', () => {
    expect(scenarioError(() => parseScenarioText('', 's.yaml')).issues[0]?.message).toBe('the scenario is empty');
    expect(scenarioError(() => parseScenarioText('hello', 's.yaml')).issues[0]?.message).toMatch(/^expected a mapping with keys name, seed/);
  });

  it('never shows a raw zod message', () => {
    const text = 'seed: -1\nduration: 10\ntick: {}\nframeSize: []\nhost: 5\nguests: [5, {name: "a b", memory: 1GiB, count: 0, shares: 1.5, workload: 7, driver: 5}]\nevents: [{at: 1s, crash: 5}, {at: 1s, setTarget: 5}]\n';
    const error = scenarioError(() => parseScenarioText(text, 's.yaml'));
    expect(error.issues.length).toBeGreaterThan(10);
    for (const issue of error.issues) {
      expect(issue.message).not.toMatch(/Invalid input|expected string, received|balloonsim-issue|\u0000/);
      expect(issue.line).toBeGreaterThan(0);
    }
  });
});

describe('cross-field rules', () => {
  it('reports every broken rule at once, in file order', () => {
    const text =
      'tick: 1h\nduration: 10m\nframeSize: 3KiB\nhost: {memory: 16GiB, reserved: 16GiB}\nguests:\n' +
      '  - {name: a, memory: 1GiB, maxMemory: 512MiB, minMemory: 2GiB, kernel: 100%}\n';
    const error = scenarioError(() => parseScenarioText(text, 's.yaml'));
    expect(error.issues.map((issue) => issue.path)).toEqual(['tick', 'frameSize', 'host.reserved', 'guests[0].maxMemory', 'guests[0].minMemory', 'guests[0].kernel']);
  });

  it('checks curves', () => {
    const text = yamlWithGuests(
      '  - name: a\n    memory: 1GiB\n    workload:\n' +
        '      - {kind: anon, size: {ramp: {from: 0B, to: 1GiB, start: 20m}}}\n' +
        '      - {kind: anon, size: {ramp: {from: 0B, to: 1GiB, start: 2m, end: 1m}}}\n' +
        '      - {kind: anon, size: {sine: {min: 2GiB, max: 1GiB, period: 1m}}}\n' +
        '      - {kind: anon, size: {bursts: {base: 2GiB, peak: 1GiB, every: 1m, length: 0s}}}\n' +
        '      - {kind: anon, size: {steps: [[1m, 1GiB], [1m, 2GiB]]}}\n',
    );
    const error = scenarioError(() => parseScenarioText(text, 's.yaml'));
    expect(issueAt(error, 'guests[0].workload[3].size.bursts.length').message).toBe('"0s" is zero, but it must be more than 0');
    const fixed = text.replace('length: 0s', 'length: 10s');
    const semantic = scenarioError(() => parseScenarioText(fixed, 's.yaml'));
    expect(semantic.issues.map((issue) => issue.path)).toEqual([
      'guests[0].workload[0].size.ramp.start',
      'guests[0].workload[1].size.ramp.end',
      'guests[0].workload[2].size.sine.max',
      'guests[0].workload[3].size.bursts.peak',
      'guests[0].workload[4].size.steps[1]',
    ]);
  });
});

describe('JSON Schema', () => {
  it('can be generated for editors', () => {
    const schema = z.toJSONSchema(scenarioFileSchema, { io: 'input' });
    expect(typeof schema).toBe('object');
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['host', 'guests'] });
    expect(JSON.stringify(schema)).toContain('"default":"10m"');
  });
});
