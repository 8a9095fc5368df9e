import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILE_TOO_LARGE, isFileTooLarge, NOT_A_REGULAR_FILE, notRegularFileReason, readFileBounded, readTextBounded } from '../../src/util/read-bounded.js';
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

  /** What readFileBounded throws for `path`, and how long it took. */
  function refusal(path: string): { error: unknown; ms: number } {
    const started = Date.now();
    try {
      readFileBounded(path, 1024 * 1024);
    } catch (error) {
      return { error, ms: Date.now() - started };
    }
    throw new Error(`readFileBounded read ${path}`);
  }

  it('refuses a named pipe at once, also through a symbolic link (opening it waited for a writer for ever)', () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, join(dir, 'pipe-link'));
    for (const path of [fifo, join(dir, 'pipe-link')]) {
      const { error, ms } = refusal(path);
      expect(error).toMatchObject({ code: NOT_A_REGULAR_FILE, kind: 'a named pipe (FIFO)', path });
      expect(notRegularFileReason(error)).toBe('it is a named pipe (FIFO), not a regular file');
      expect(ms).toBeLessThan(5_000);
    }
  });

  it('refuses a device (/dev/zero says 0 bytes and never ends) and a socket, saying what each is', async () => {
    expect(refusal('/dev/zero').error).toMatchObject({ code: NOT_A_REGULAR_FILE, kind: 'a character device' });
    expect(refusal('/dev/null').error).toMatchObject({ code: NOT_A_REGULAR_FILE, kind: 'a character device' });
    const socket = join(dir, 'socket');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(refusal(socket).error).toMatchObject({ code: NOT_A_REGULAR_FILE, kind: 'a socket' });
    } finally {
      server.close();
    }
    expect(notRegularFileReason(new Error('other'))).toBeNull();
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
