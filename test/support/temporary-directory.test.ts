/** temporaryDirectory: a fresh directory under tmpdir, gone when the test that made it has finished. */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from './temporary-directory.js';

const PREFIX = 'balloonsim-temporary-directory-';
// Removed after the file's last afterAll hook, which no test here can see: the next run's before/after listing of
// tmpdir is what shows it goes.
const madeWhileCollecting = temporaryDirectory(PREFIX);
let madeInATest = '';

describe('temporaryDirectory', () => {
  it('makes a fresh, empty directory in tmpdir whose name starts with the prefix', () => {
    madeInATest = temporaryDirectory(PREFIX);
    expect(dirname(madeInATest)).toBe(tmpdir());
    expect(basename(madeInATest).startsWith(PREFIX)).toBe(true);
    expect(readdirSync(madeInATest)).toEqual([]);
    expect(temporaryDirectory(PREFIX)).not.toBe(madeInATest);
    writeFileSync(join(madeInATest, 'file.txt'), 'x');
  });

  it('removes a directory made in a test, with what is in it, once that test has finished', () => {
    expect(madeInATest).not.toBe('');
    expect(existsSync(madeInATest)).toBe(false);
  });

  it('keeps a directory made outside a test until the file ends', () => {
    expect(existsSync(madeWhileCollecting)).toBe(true);
  });

  it('refuses a prefix that is empty or a path', () => {
    expect(() => temporaryDirectory('')).toThrow(/^temporaryDirectory: expected a prefix/);
    expect(() => temporaryDirectory('a/b-')).toThrow(/^temporaryDirectory: expected a prefix/);
  });
});
