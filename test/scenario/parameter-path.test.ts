/** Unit tests of src/scenario/parameter-path.ts: parsing parameter paths, finding list items by a key's value, and setting values at paths in a scenario file's content. */
import { describe, expect, it } from 'vitest';
import { describeSteps, indexOfItem, parseParameterPath, setAtPath, type PathStep } from '../../src/scenario/parameter-path.js';

function steps(text: string): PathStep[] {
  const parsed = parseParameterPath(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

describe('parseParameterPath', () => {
  it('reads keys, indexes and key=value picks', () => {
    expect(parseParameterPath('seed')).toEqual([{ key: 'seed' }]);
    expect(parseParameterPath('guests[name=idle].memory')).toEqual([{ key: 'guests' }, { match: { key: 'name', value: 'idle' } }, { key: 'memory' }]);
    expect(parseParameterPath('guests[1].workload[0].hot')).toEqual([{ key: 'guests' }, { index: 1 }, { key: 'workload' }, { index: 0 }, { key: 'hot' }]);
    expect(parseParameterPath('a[0][1]')).toEqual([{ key: 'a' }, { index: 0 }, { index: 1 }]);
    expect(parseParameterPath('guests[name=a b=c]')).toEqual([{ key: 'guests' }, { match: { key: 'name', value: 'a b=c' } }]);
  });

  it('says what is wrong with a bad path', () => {
    const general = 'a parameter path is keys joined by dots, such as host.memory or guests[name=web].memory';
    expect(parseParameterPath('')).toBe(general);
    expect(parseParameterPath(' seed')).toBe(general);
    expect(parseParameterPath('guests[0')).toBe('"guests[0": a [ is not closed');
    expect(parseParameterPath('guests[=x]')).toBe('"guests[=x]": [=x] picks a list item by index ([0]) or by a key\'s value ([name=web])');
    expect(parseParameterPath('guests[name=]')).toMatch(/picks a list item/);
    expect(parseParameterPath('guests[-1]')).toMatch(/picks a list item/);
    expect(parseParameterPath('host memory')).toBe('"host memory": expected . or [ after host');
    expect(parseParameterPath('host.')).toBe('"host.": expected a key after host');
    expect(parseParameterPath('host..memory')).toBe('"host..memory": expected a key after host');
    expect(parseParameterPath('1abc')).toBe('"1abc": expected a key after the start');
    expect(parseParameterPath('[0].memory')).toBe('"[0].memory": a path starts with a key');
  });

  it('refuses __proto__, which names no setting and would change every object once set', () => {
    expect(parseParameterPath('__proto__.x')).toBe('"__proto__.x": there is no setting named __proto__ (a path names keys of the scenario file)');
    expect(parseParameterPath('host.__proto__.x')).toMatch(/there is no setting named __proto__/);
  });

  it('takes at most 32 steps', () => {
    expect(Array.isArray(parseParameterPath(Array(32).fill('a').join('.')))).toBe(true);
    expect(parseParameterPath(Array(33).fill('a').join('.'))).toMatch(/a path has at most 32 steps$/);
  });
});

describe('describeSteps', () => {
  it('writes steps back as the text they were read from', () => {
    for (const text of ['seed', 'host.policy.period', 'guests[name=idle].memory', 'guests[1].workload[0].hot']) expect(describeSteps(steps(text))).toBe(text);
    expect(describeSteps([])).toBe('');
  });
});

describe('setAtPath', () => {
  it('reads only keys the file has, not what every object inherits', () => {
    const root: Record<string, unknown> = { host: { memory: '1GiB' } };
    expect(setAtPath(root, steps('host.constructor.x'), 1)).toBeNull();
    expect(root).toEqual({ host: { memory: '1GiB', constructor: { x: 1 } } });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('sets a value by keys, creating missing mappings on the way', () => {
    const root: Record<string, unknown> = { host: { memory: '1GiB' } };
    expect(setAtPath(root, steps('host.memory'), '2GiB')).toBeNull();
    expect(setAtPath(root, steps('host.policy.period'), '5s')).toBeNull();
    expect(root).toEqual({ host: { memory: '2GiB', policy: { period: '5s' } } });
  });

  it('picks list items by index or by a key value (compared as text)', () => {
    const root = { guests: [{ name: 'web', memory: '1GiB' }, { name: 7, memory: '2GiB' }] };
    expect(setAtPath(root, steps('guests[name=7].memory'), '3GiB')).toBeNull();
    expect(setAtPath(root, steps('guests[0].memory'), '4GiB')).toBeNull();
    expect(setAtPath(root, steps('guests[1]'), { name: 'db' })).toBeNull();
    expect(root.guests).toEqual([{ name: 'web', memory: '4GiB' }, { name: 'db' }]);
  });

  it('says why a path does not fit the file', () => {
    const root = { seed: 3, guests: [{ name: 'web' }, { name: 'db' }], events: [] };
    expect(setAtPath(root, steps('seed.value'), 1)).toBe('seed is number 3, not a mapping with key value');
    expect(setAtPath(root, steps('guests.memory'), 1)).toBe('guests is a list, not a mapping with key memory');
    expect(setAtPath(root, steps('seed[0]'), 1)).toBe('seed is number 3, not a list');
    expect(setAtPath(root, steps('guests[2].memory'), 1)).toBe('guests has 2 items, so there is no [2]');
    expect(setAtPath({ events: [{}] }, steps('events[1]'), 1)).toBe('events has 1 item, so there is no [1]');
    expect(setAtPath(root, steps('guests[name=idle].memory'), 1)).toBe('guests has no item with name idle (there are: web, db)');
    expect(setAtPath(root, steps('events[kind=crash]'), 1)).toBe('events has no item with kind crash');
    expect(setAtPath(null, steps('seed'), 1)).toBe('the scenario is null, not a mapping with key seed');
    expect(setAtPath({ host: null }, steps('host.memory'), 1)).toBe('host is null, not a mapping with key memory');
  });
});

describe('indexOfItem', () => {
  it('finds the first mapping whose key reads as the value, compared as text', () => {
    const list = ['web', null, [], { name: 'web' }, { name: 7 }, { name: 'web' }];
    expect(indexOfItem(list, { key: 'name', value: 'web' }, 'guests')).toBe(3);
    expect(indexOfItem(list, { key: 'name', value: '7' }, 'guests')).toBe(4);
  });

  it('names the values there are, twelve at the most, or none when no item has the key', () => {
    const list = Array.from({ length: 14 }, (_, i) => ({ name: `g${i}` }));
    expect(indexOfItem(list, { key: 'name', value: 'x' }, 'guests')).toBe('guests has no item with name x (there are: g0, g1, g2, g3, g4, g5, g6, g7, g8, g9, g10, g11)');
    expect(indexOfItem([{ at: '1s' }, 'crash'], { key: 'kind', value: 'crash' }, 'events')).toBe('events has no item with kind crash');
    expect(indexOfItem([], { key: 'kind', value: 'crash' }, 'events')).toBe('events has no item with kind crash');
  });
});
