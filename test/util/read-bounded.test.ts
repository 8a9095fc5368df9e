import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILE_TOO_LARGE, isFileTooLarge, readFileBounded, readTextBounded } from '../../src/util/read-bounded.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

describe('readFileBounded', () => {
  const dir = temporaryDirectory('balloonsim-read-bounded-');

  it('reads a file up to its limit, byte for byte', () => {
    const path = join(dir, 'exact');
    const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    writeFileSync(path, bytes);
    expect(readFileBounded(path, bytes.length).equals(bytes)).toBe(true);
    expect(readFileBounded(path, bytes.length + 1).equals(bytes)).toBe(true);
    writeFileSync(join(dir, 'empty'), '');
    expect(readFileBounded(join(dir, 'empty'), 0).length).toBe(0);
  });

  it('refuses a file one byte over the limit', () => {
    const path = join(dir, 'over');
    writeFileSync(path, 'abcdef');
    let thrown: unknown;
    try {
      readFileBounded(path, 5);
    } catch (error) {
      thrown = error;
    }
    expect(isFileTooLarge(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe(FILE_TOO_LARGE);
  });

  it('stops reading a device that never ends (stat says 0 bytes): /dev/zero', () => {
    const started = Date.now();
    expect(() => readFileBounded('/dev/zero', 1024 * 1024)).toThrow(/file too large/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('passes on the file system\'s errors with their codes', () => {
    mkdirSync(join(dir, 'folder'), { recursive: true });
    expect(() => readFileBounded(join(dir, 'folder'), 10)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    expect(() => readFileBounded(join(dir, 'missing'), 10)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('readTextBounded', () => {
  const dir = temporaryDirectory('balloonsim-read-text-bounded-');

  it('reads a file up to its limit as UTF-8 text', () => {
    const path = join(dir, 'text');
    const text = 'host:\n  memory: 16GiB # größer, 大きい\n';
    writeFileSync(path, text, 'utf8');
    const bytes = Buffer.byteLength(text, 'utf8');
    expect(readTextBounded(path, bytes)).toBe(text);
    expect(() => readTextBounded(path, bytes - 1)).toThrow(expect.objectContaining({ code: FILE_TOO_LARGE }));
  });

  it('passes on the file system\'s errors and checks its arguments under its own name', () => {
    expect(() => readTextBounded(join(dir, 'missing'), 10)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => readTextBounded('', 10)).toThrow(/^readTextBounded: path must be a non-empty string$/);
    expect(() => readTextBounded(join(dir, 'missing'), -1)).toThrow(/^readTextBounded: maxBytes must be a whole number of at least 0, got -1$/);
  });
});
