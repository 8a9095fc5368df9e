import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lstatSync, statSync } from 'node:fs';
import { cannotReadMessage, FILE_TOO_LARGE, NOT_A_REGULAR_FILE, readFileBounded, readProblem, readTextBounded, regularFileProblem } from '../../src/util/read-bounded.js';
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
    expect(thrown).toMatchObject({ code: FILE_TOO_LARGE, bytesMax: 5, path });
    expect(readProblem(thrown)).toEqual({ kind: 'too-large', reason: 'it is larger than 5 bytes' });
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
      expect(readProblem(error)).toEqual({ kind: 'not-regular', reason: 'it is a named pipe (FIFO), not a regular file' });
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
  });

  it('passes on the file system\'s errors with their codes', () => {
    mkdirSync(join(dir, 'folder'), { recursive: true });
    expect(() => readFileBounded(join(dir, 'folder'), 10)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    expect(() => readFileBounded(join(dir, 'missing'), 10)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('readProblem', () => {
  const dir = temporaryDirectory('balloonsim-read-problem-');

  /** What readFileBounded throws for `path`. */
  function thrownBy(path: string, maxBytes = 1024): unknown {
    try {
      readFileBounded(path, maxBytes);
    } catch (error) {
      return error;
    }
    throw new Error(`readFileBounded read ${path}`);
  }

  it('says in plain words why each refusal of readFileBounded happened', () => {
    mkdirSync(join(dir, 'folder'), { recursive: true });
    expect(readProblem(thrownBy(join(dir, 'missing')))).toEqual({ kind: 'missing', reason: 'no such file' });
    expect(readProblem(thrownBy(join(dir, 'folder')))).toEqual({ kind: 'directory', reason: 'it is a directory' });
    expect(readProblem(thrownBy('/dev/zero'))).toEqual({ kind: 'not-regular', reason: 'it is a character device, not a regular file' });
    writeFileSync(join(dir, 'big'), Buffer.alloc(2 ** 20 + 1));
    expect(readProblem(thrownBy(join(dir, 'big'), 2 ** 20))).toEqual({ kind: 'too-large', reason: 'it is larger than 1 MiB' });
    expect(readProblem(thrownBy(join(dir, 'big'), 2 ** 19))).toEqual({ kind: 'too-large', reason: 'it is larger than 524288 bytes' });
    // The longest text, about 512 MiB, is named as the size it nearly is (the error itself says the bytes).
    expect(readProblem(Object.assign(new Error('EFBIG'), { code: FILE_TOO_LARGE, bytesMax: 2 ** 29 - 24 })).reason).toBe('it is larger than 512 MiB');
  });

  it('says "permission denied" for EACCES and EPERM (root reads any file, so these are made up)', () => {
    for (const code of ['EACCES', 'EPERM']) {
      expect(readProblem(Object.assign(new Error(`${code}: permission denied, open 'x'`), { code }))).toEqual({ kind: 'denied', reason: 'permission denied' });
    }
  });

  it("passes any other error on as its message, and a thrown value that is no error as its text", () => {
    expect(readProblem(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }))).toEqual({ kind: 'other', reason: 'EIO: i/o error, read' });
    expect(readProblem(Object.assign(new Error('EFBIG: no limit said'), { code: FILE_TOO_LARGE }))).toEqual({ kind: 'other', reason: 'EFBIG: no limit said' });
    expect(readProblem('odd')).toEqual({ kind: 'other', reason: 'odd' });
    expect(readProblem(null)).toEqual({ kind: 'other', reason: 'null' });
  });
});

describe('cannotReadMessage', () => {
  it('names the path and the reason, and gives the caller\'s hint unless the fix is the permissions', () => {
    const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'a.json'"), { code: 'ENOENT' });
    expect(cannotReadMessage('a.json', missing, 'give a sweep.json')).toBe('cannot read a.json: no such file; give a sweep.json');
    const denied = Object.assign(new Error("EACCES: permission denied, open 'a.json'"), { code: 'EACCES' });
    expect(cannotReadMessage('a.json', denied, 'give a sweep.json')).toBe('cannot read a.json: permission denied; check the file permissions');
  });
});

describe('regularFileProblem', () => {
  const dir = temporaryDirectory('balloonsim-regular-file-problem-');

  it('words what is not a regular file as readProblem does, and has nothing to say of a regular file', () => {
    writeFileSync(join(dir, 'file'), 'x');
    expect(regularFileProblem(statSync(join(dir, 'file')))).toBeNull();
    expect(regularFileProblem(statSync(dir))).toBe('it is a directory');
    expect(regularFileProblem(lstatSync('/dev/null'))).toBe('it is a character device, not a regular file');
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
