/** The loader's diagnostics: paths, printable text, issues in file order, details through zod, positions in the file. */
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { IssueList, ScenarioError, decodeDetails, encodeDetails, finishIssues, formatIssue, formatPath, makeLocator, printable } from '../../src/scenario/errors.js';

describe('formatPath', () => {
  it('writes paths the way users write them', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['guests', 0, 'memory'])).toBe('guests[0].memory');
    expect(formatPath(['host', 'odd key', 1])).toBe('host["odd key"][1]');
    expect(formatPath([2, 'name'])).toBe('[2].name');
  });
});

describe('printable', () => {
  it('escapes control characters, lone surrogates and replacement characters, and keeps the rest', () => {
    expect(printable('plain text, tabs\tand µs')).toBe('plain text, tabs\tand µs');
    expect(printable('a\u0000b\u001bc')).toBe('a\\u{0}b\\u{1b}c');
    expect(printable('x\ud800y')).toBe('x\\u{d800}y');
    expect(printable('\ufffd')).toBe('\\u{fffd}');
    expect(printable('emoji \ud83d\ude00 stays')).toBe('emoji \ud83d\ude00 stays');
  });
});

describe('formatIssue and ScenarioError', () => {
  it('prints FILE:LINE:COL: PATH: MESSAGE (HINT), leaving out what is unknown', () => {
    expect(formatIssue('s.yaml', { path: 'host.memory', message: 'too small', hint: 'raise it', line: 3, column: 11 })).toBe('s.yaml:3:11: host.memory: too small (raise it)');
    expect(formatIssue('s.yaml', { path: '', message: 'the scenario is empty', line: 1 })).toBe('s.yaml:1: the scenario is empty');
    expect(formatIssue('built-in:default', { path: 'tick', message: 'bad' })).toBe('built-in:default: tick: bad');
  });

  it('carries every issue, one line each, with a stable code', () => {
    const error = new ScenarioError('s.yaml', [
      { path: 'a', message: 'one' },
      { path: 'b', message: 'two', hint: 'fix' },
    ]);
    expect(error.code).toBe('SCENARIO_INVALID');
    expect(error.name).toBe('ScenarioError');
    expect(error.message).toBe('s.yaml: a: one\ns.yaml: b: two (fix)');
    expect(error.format()).toBe(error.message);
  });
});

describe('encodeDetails and decodeDetails', () => {
  it('carry a message, a hint and the known keys through a string, and leave other strings alone', () => {
    const encoded = encodeDetails({ message: 'unknown key', hint: 'look', knownKeys: ['memory', 'swap'] });
    expect(decodeDetails(encoded)).toEqual({ message: 'unknown key', hint: 'look', knownKeys: ['memory', 'swap'], encoded: true });
    expect(decodeDetails('Invalid input')).toEqual({ message: 'Invalid input', encoded: false });
  });
});

describe('IssueList and finishIssues', () => {
  const text = 'host:\n  memory: 1GiB\nguests:\n  - name: a\n    memory: 2GiB\n';
  const lineCounter = new LineCounter();
  const locate = makeLocator(parseDocument(text, { lineCounter }), lineCounter);

  it('sorts issues in file order, drops repeats, and puts unlocated ones last', () => {
    const issues = new IssueList();
    expect(issues.isEmpty).toBe(true);
    issues.add(['guests', 0, 'memory'], 'larger than the host', 'shrink it');
    issues.add(['nowhere'], 'not in the file');
    issues.add(['host', 'memory'], 'too small');
    issues.add(['guests', 0, 'memory'], 'larger than the host', 'shrink it');
    expect(issues.isEmpty).toBe(false);
    const finished = finishIssues(issues.items, (path, target) => (path[0] === 'nowhere' ? undefined : locate(path, target)));
    expect(finished).toEqual([
      { path: 'host.memory', message: 'too small', line: 2, column: 11 },
      { path: 'guests[0].memory', message: 'larger than the host', hint: 'shrink it', line: 5, column: 13 },
      { path: 'nowhere', message: 'not in the file' },
    ]);
  });

  it('locates a key itself, a list item, and the mapping that lacks a key', () => {
    expect(locate(['guests', 0, 'name'], 'key')).toEqual({ line: 4, column: 5 });
    expect(locate(['guests', 0], 'value')).toEqual({ line: 4, column: 5 });
    expect(locate(['host', 'swap'], 'value')).toEqual({ line: 2, column: 3 });
    expect(locate(['guests', 5, 'memory'], 'value')).toEqual({ line: 4, column: 3 });
  });
});
