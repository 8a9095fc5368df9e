/** Unit tests of src/output/make-directories.ts: `mkdir -p` that always ends. */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectories } from '../../src/output/make-directories.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

describe('makeDirectories', () => {
  it('makes a folder and its missing parents, and does nothing the second time', () => {
    const dir = temporaryDirectory('balloonsim-mkdir-');
    const deep = join(dir, 'a', 'b', 'c');
    makeDirectories(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirectories(deep);
    makeDirectories(join(dir, 'a', '..', 'a', 'b'));
    expect(statSync(join(dir, 'a', 'b')).isDirectory()).toBe(true);
  });

  it('fails with ENOTDIR when a part of the path, or the path itself, is a file', () => {
    const dir = temporaryDirectory('balloonsim-mkdir-');
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    expect(() => makeDirectories(join(file, 'sub', 'deeper'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirectories(file)).toThrow(expect.objectContaining({ code: 'ENOTDIR', path: file }));
  });

  // The case that made it: Node 20's mkdirSync(dir, { recursive: true }) never returns for these.
  it.runIf(process.platform === 'linux')('fails with the file system error under /proc instead of looping', () => {
    expect(() => makeDirectories('/proc/balloonsim-x')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/proc/balloonsim-x' }));
    expect(() => makeDirectories('/proc/balloonsim-x/y/z')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/proc/balloonsim-x' }));
  });
});
