import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileReadProblem, loadScenarioFile, parseScenarioText } from '../../src/scenario/load.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { scenarioError } from './support.js';

describe('loadScenarioFile', () => {
  const dir = temporaryDirectory('balloonsim-load-');

  it('reads YAML and JSON files and names the scenario after the file', () => {
    const yamlFile = join(dir, 'two-guests.yaml');
    writeFileSync(yamlFile, 'host: {memory: 8GiB}\nguests: [{name: a, memory: 1GiB}]\n');
    expect(loadScenarioFile(yamlFile)).toMatchObject({ name: 'two-guests', source: yamlFile, durationMs: 600_000 });
    const jsonFile = join(dir, 'one.json');
    writeFileSync(jsonFile, JSON.stringify({ $schema: '../schema/scenario.schema.json', host: { memory: '8GiB' }, guests: [{ name: 'a', memory: '1GiB' }] }, null, '\t'));
    expect(loadScenarioFile(jsonFile)).toMatchObject({ name: 'one', guests: [{ name: 'a' }] });
  });

  it('turns a missing or unreadable file into a ScenarioError with a hint', () => {
    const missing = scenarioError(() => loadScenarioFile(join(dir, 'nope.yaml')));
    expect(missing.source).toBe(join(dir, 'nope.yaml'));
    expect(missing.issues[0]).toMatchObject({ path: '', message: 'cannot read the scenario: no such file' });
    expect(missing.issues[0]?.hint).toMatch(/check the path/);
    expect(missing.format()).toBe(`${join(dir, 'nope.yaml')}: cannot read the scenario: no such file (${missing.issues[0]?.hint})`);
    expect(scenarioError(() => loadScenarioFile(dir)).issues[0]?.message).toBe('cannot read the scenario: it is a directory');
  });

  it('refuses a named pipe or a device at once, saying what it is (a named pipe waited for a writer for ever)', () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(scenarioError(() => loadScenarioFile(fifo)).format()).toBe(
      `${fifo}: cannot read the scenario: it is a named pipe (FIFO), not a regular file (give the path of a .yaml or .json file; to use what a pipe or <(...) gives, write it to a file first)`,
    );
    expect(scenarioError(() => loadScenarioFile('/dev/zero')).issues[0]?.message).toBe('cannot read the scenario: it is a character device, not a regular file');
  });

  it('refuses a file over 16 MiB in the same words as the other refusals, with its own hint', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, 16 * 2 ** 20 + 1);
    expect(scenarioError(() => loadScenarioFile(big)).format()).toBe(`${big}: cannot read the scenario: it is larger than 16 MiB (move long series into trace CSV files)`);
  });

  it('checks its options, naming itself: null failed as "Cannot read properties of null", a bad override was blamed on resolveScenario', () => {
    const file = join(dir, 'opts.yaml');
    writeFileSync(file, 'host: {memory: 8GiB}\nguests: [{name: a, memory: 1GiB}]\n');
    expect(() => loadScenarioFile(file, null as never)).toThrow(
      new TypeError('loadScenarioFile: options must be an object ({ baseDir, durationOverrideMs, overrides }, each optional), got null (an empty value)'),
    );
    expect(() => parseScenarioText('', 'x', ['8GiB'] as never)).toThrow(
      new TypeError('parseScenarioText: options must be an object ({ baseDir, durationOverrideMs, overrides }, each optional), got a list of 1 item'),
    );
    expect(() => loadScenarioFile(file, { durationOverrideMs: -1 })).toThrow(
      new TypeError('loadScenarioFile: durationOverrideMs must be a positive whole number of ms (5 minutes is 300000), got -1'),
    );
    expect(() => parseScenarioText('host: {memory: 8GiB}\nguests: [{name: a, memory: 1GiB}]\n', 'x', { durationOverrideMs: Number.NaN })).toThrow(
      /^parseScenarioText: durationOverrideMs must be a positive whole number of ms .*got NaN$/,
    );
    expect(() => parseScenarioText('', 'x', { baseDir: 5 as never })).toThrow('parseScenarioText: baseDir must be the path of a directory, got 5');
  });
});

describe('parseScenarioText and loadScenarioFile of options they cannot use', () => {
  const text = 'host: { memory: 64MiB }\nguests: [ { name: a, memory: 16MiB } ]\n';

  it('refuse a misspelt option, which was ignored, naming the closest one', () => {
    expect(() => parseScenarioText(text, 's.yaml', { durationOverride: 5000 } as never)).toThrow(
      /^parseScenarioText: unknown option "durationOverride" \(did you mean "durationOverrideMs"\? the options are baseDir, durationOverrideMs, overrides\)$/,
    );
    expect(() => loadScenarioFile('/nonexistent.yaml', { basedir: '/' } as never)).toThrow(/^loadScenarioFile: unknown option "basedir" \(did you mean "baseDir"\?/);
  });

  it('refuse overrides that are not { path, value } pairs, which became a ScenarioError about "undefined: Cannot read properties of undefined"', () => {
    const message = "parseScenarioText: overrides must be a list of { path, value }, both text as --set writes them (such as { path: 'host.memory', value: '8GiB' })";
    expect(() => parseScenarioText(text, 's.yaml', { overrides: 'host.memory=8GiB' as never })).toThrow(new TypeError(`${message}, got "host.memory=8GiB"`));
    expect(() => parseScenarioText(text, 's.yaml', { overrides: [{ path: 'host.memory' }] as never })).toThrow(new TypeError(`${message}, got a list of 1 item`));
    expect(parseScenarioText(text, 's.yaml', { overrides: [{ path: 'host.memory', value: '128MiB' }] }).host.memoryBytes).toBe(128 * 2 ** 20);
  });
});

describe('fileReadProblem', () => {
  const hints = { directory: 'give a file', tooLarge: 'make it smaller' };

  it('gives each refusal its hint: the path, the permissions, or what the caller says of a directory, a pipe, a file too large', () => {
    const problem = (code: string, extra = {}) => fileReadProblem(Object.assign(new Error(`${code}: odd`), { code, ...extra }), 'grid', hints);
    expect(problem('ENOENT')).toEqual({ message: 'cannot read the grid: no such file', hint: `check the path; relative paths start from ${process.cwd()}` });
    expect(problem('EACCES')).toEqual({ message: 'cannot read the grid: permission denied', hint: 'check the file permissions' });
    expect(problem('EISDIR')).toEqual({ message: 'cannot read the grid: it is a directory', hint: 'give a file' });
    expect(problem('ERR_NOT_REGULAR_FILE', { kind: 'a socket' })).toEqual({ message: 'cannot read the grid: it is a socket, not a regular file', hint: 'give a file; to use what a pipe or <(...) gives, write it to a file first' });
    expect(problem('EFBIG', { bytesMax: 16 * 2 ** 20 })).toEqual({ message: 'cannot read the grid: it is larger than 16 MiB', hint: 'make it smaller' });
    expect(problem('EIO')).toEqual({ message: 'cannot read the grid: EIO: odd', hint: 'check the path' });
  });
});
