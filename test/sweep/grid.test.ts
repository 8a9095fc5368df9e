import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/scenario/errors.js';
import { expandGrid, gridOfScenarios, loadGridFile } from '../../src/sweep/grid.js';
import { describeSteps, parseParameterPath, setAtPath } from '../../src/scenario/parameter-path.js';
import { guest, scenario } from '../support/scenarios.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function scenarioError(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('parameter paths', () => {
  it('parse keys, indexes and picks by a key value', () => {
    expect(parseParameterPath('guests[name=idle].workload[0].hot')).toEqual([{ key: 'guests' }, { match: { key: 'name', value: 'idle' } }, { key: 'workload' }, { index: 0 }, { key: 'hot' }]);
    expect(describeSteps(parseParameterPath('events[2].setTarget.memory') as never)).toBe('events[2].setTarget.memory');
  });

  it.each([
    ['', /keys joined by dots/],
    ['host..memory', /expected a key/],
    ['guests[name=web', /not closed/],
    ['guests[=web]', /picks a list item/],
    ['[0].memory', /starts with a key/],
    ['host memory', /keys joined by dots|expected \. or \[/],
  ])('refuse %j', (text, problem) => {
    expect(parseParameterPath(text)).toMatch(problem);
  });

  it('set values, creating mappings on the way, and say why a path does not fit', () => {
    const file = { host: { memory: '8GiB', policy: 'static' }, guests: [{ name: 'a', memory: '1GiB' }] };
    expect(setAtPath(file, parseParameterPath('host.swap') as never, '2GiB')).toBeNull();
    expect(setAtPath(file, parseParameterPath('guests[name=a].driver.profile') as never, 'xen')).toBeNull();
    expect(file).toEqual({ host: { memory: '8GiB', policy: 'static', swap: '2GiB' }, guests: [{ name: 'a', memory: '1GiB', driver: { profile: 'xen' } }] });
    expect(setAtPath(file, parseParameterPath('host.policy.period') as never, '5s')).toMatch(/host.policy is string "static", not a mapping/);
    expect(setAtPath(file, parseParameterPath('guests[3].memory') as never, '1GiB')).toMatch(/guests has 1 item, so there is no \[3\]/);
    expect(setAtPath(file, parseParameterPath('events[0].at') as never, '1s')).toMatch(/events is a mapping, not a list/);
  });
});

describe('expandGrid', () => {
  it('makes every combination, the last parameter fastest, bases first', () => {
    const grid = expandGrid({ base: 'default', durationMs: 60_000, parameters: { 'host.memory': ['12GiB', '16GiB'], seed: [1, 2, 3] } });
    expect(grid.cases.map((c) => c.label)).toEqual([
      'host.memory=12GiB seed=1',
      'host.memory=12GiB seed=2',
      'host.memory=12GiB seed=3',
      'host.memory=16GiB seed=1',
      'host.memory=16GiB seed=2',
      'host.memory=16GiB seed=3',
    ]);
    expect(grid.cases.map((c) => [c.scenario.host.memoryBytes / GiB, c.scenario.seed, c.scenario.durationMs])).toEqual([
      [12, 1, 60_000],
      [12, 2, 60_000],
      [12, 3, 60_000],
      [16, 1, 60_000],
      [16, 2, 60_000],
      [16, 3, 60_000],
    ]);
    expect(grid.cases.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(grid.parameterNames).toEqual(['host.memory', 'seed']);
  });

  it('sets a guest picked by name and an event picked by index', () => {
    const grid = expandGrid({ base: 'default', parameters: { 'guests[name=idle].maxMemory': ['6GiB'], 'events[0].setTarget.memory': ['512MiB'] } });
    const s = grid.cases[0]!.scenario;
    expect(s.guests.find((g) => g.name === 'idle')!.maxMemoryBytes).toBe(6 * GiB);
    expect(s.events[0]).toMatchObject({ guest: 'idle', target: { bytes: 512 * MiB } });
  });

  it('has the same fingerprint for the same grid, another for another', () => {
    const spec = { base: 'default', parameters: { seed: [1, 2] } };
    expect(expandGrid(spec).fingerprint).toBe(expandGrid(spec).fingerprint);
    expect(expandGrid({ base: 'default', parameters: { seed: [1, 3] } }).fingerprint).not.toBe(expandGrid(spec).fingerprint);
  });

  it('names the case and the problem of a value that is not valid', () => {
    const error = scenarioError(() => expandGrid({ base: 'default', parameters: { 'guests[name=db].memory': ['4GiB', '4'] } }, { source: 'g.yaml' }));
    expect(error.format()).toMatch(/^g\.yaml, case 1 \(guests\[name=db\]\.memory=4\): guests\[1\]\.memory: "4" has no unit/);
  });

  it('refuses a durationMs that is not a positive whole number of ms, naming the key (it was blamed on resolveScenario)', () => {
    expect(() => expandGrid({ base: 'default', durationMs: -1, parameters: { seed: [1] } })).toThrow(
      new TypeError('expandGrid: durationMs must be a positive whole number of ms (a grid file\'s duration: 5m is 300000), got -1'),
    );
    expect(() => expandGrid({ base: 'default', durationMs: '5m' as never, parameters: { seed: [1] } })).toThrow(/^expandGrid: durationMs .*got "5m"$/);
  });

  it('refuses a base that is neither a name nor { name, content } (it failed as "undefined: the scenario is empty")', () => {
    expect(() => expandGrid({ base: { x: 1 } as never, parameters: { seed: [1] } })).toThrow(
      /^expandGrid: a base must be 'default', the path of a scenario file, or \{ name, content \} .*got a mapping/,
    );
  });

  it('runs scenarios given as a list, one case each', () => {
    const a = scenario({ name: 'a', guests: [guest('x')] });
    const grid = gridOfScenarios([a, { ...a, seed: 2 }, { ...a, name: 'b' }]);
    expect(grid.cases.map((c) => c.label)).toEqual(['a#0', 'a#1', 'b']);
  });
});

describe('loadGridFile', () => {
  const dir = temporaryDirectory('balloonsim-grid-');

  it('reads bases relative to the grid file, and several bases', () => {
    writeFileSync(join(dir, 'small.yaml'), 'name: small\nhost: {memory: 1GiB}\nguests: [{name: a, memory: 256MiB}]\n');
    writeFileSync(join(dir, 'grid.yaml'), 'base: [small.yaml, default]\nduration: 2m\nparameters:\n  seed: [4, 5]\n');
    const grid = loadGridFile(join(dir, 'grid.yaml'));
    expect(grid.name).toBe('grid');
    expect(grid.cases.map((c) => c.label)).toEqual(['small seed=4', 'small seed=5', 'default seed=4', 'default seed=5']);
    expect(grid.cases[0]!.scenario.host.memoryBytes).toBe(GiB);
  });

  it('points at the line of a mistake in the grid file or in a base', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'base: default\nduration: 10\n');
    expect(scenarioError(() => loadGridFile(join(dir, 'bad.yaml'))).format()).toMatch(/bad\.yaml:2:11: duration: 10 is a bare number/);
    writeFileSync(join(dir, 'broken-base.yaml'), 'host: {memory: 1GiB}\nguests: [{name: a, memory: 256}]\n');
    writeFileSync(join(dir, 'uses-broken.yaml'), 'base: broken-base.yaml\n');
    expect(scenarioError(() => loadGridFile(join(dir, 'uses-broken.yaml'))).format()).toMatch(/broken-base\.yaml:2:\d+: guests\[0\]\.memory/);
    expect(scenarioError(() => loadGridFile(join(dir, 'none.yaml'))).format()).toMatch(/cannot read the grid: no such file/);
  });

  it('refuses an alias bomb as a ScenarioError, not a ReferenceError (sweep printed it as an internal error)', () => {
    const levels = ['a', 'b', 'c', 'd', 'e', 'f'];
    const lines = levels.map((name, i) => `${name}: &${name} [${Array.from({ length: 9 }, () => (i === 0 ? '"x"' : `*${levels[i - 1]}`)).join(', ')}]`);
    writeFileSync(join(dir, 'bomb.yaml'), `${lines.join('\n')}\n`);
    expect(scenarioError(() => loadGridFile(join(dir, 'bomb.yaml'))).format()).toMatch(/^.*bomb\.yaml: cannot read the document: Excessive alias count .* \(use fewer aliases/);
  });

  it('says a folder given as the grid is a directory', () => {
    expect(scenarioError(() => loadGridFile(dir)).format()).toMatch(/cannot read the grid: it is a directory \(give the path of a \.yaml or \.json grid file\)/);
  });
});

describe('expandGrid and gridOfScenarios of what they cannot use', () => {
  it('refuses a misspelt key of the spec, which was ignored: a grid of one case instead of many', () => {
    expect(() => expandGrid({ base: 'default', paramters: { seed: [1, 2, 3] } } as never)).toThrow(
      new TypeError('expandGrid: the spec: unknown key "paramters" (did you mean "parameters"? the keys are name, base, durationMs, parameters)'),
    );
    expect(() => expandGrid({ base: 'default', name: 5 } as never)).toThrow(new TypeError("expandGrid: name must be a non-empty string (the sweep's name in its outputs), got 5"));
    expect(() => expandGrid([] as never)).toThrow(new TypeError('expandGrid: spec must be an object with base and parameters, got a list of 0 items'));
  });

  it('refuses options that are not an object or hold a misspelt key, instead of reading source of null', () => {
    expect(() => expandGrid({ base: 'default' }, null as never)).toThrow(/^expandGrid: options must be an object \(\{ baseDir, source \}, each optional\), got null/);
    expect(() => expandGrid({ base: 'default' }, { basedir: '/' } as never)).toThrow(/^expandGrid: unknown option "basedir" \(did you mean "baseDir"\?/);
    expect(() => expandGrid({ base: 'default' }, { source: 5 } as never)).toThrow(new TypeError("expandGrid: source must be a non-empty string (the grid's name in messages), got 5"));
  });

  it('gridOfScenarios refuses a name that is not text, which became the sweep\'s name in its outputs', () => {
    expect(() => gridOfScenarios([scenario({ guests: [guest('a')] })], null as never)).toThrow(
      new TypeError("gridOfScenarios: name must be a non-empty string (the sweep's name in its outputs), got null (an empty value)"),
    );
  });
});
