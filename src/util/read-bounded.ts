/**
 * Reading a file that the user names, with a limit on its size. A file's
 * size as `stat` tells it is no bound: a device (`/dev/zero`, `/dev/urandom`)
 * or a /proc file says 0 and never ends, and `readFileSync` then grows its
 * buffer until the process dies (`balloonsim validate /dev/zero` took 16 GiB
 * and a minute before it crashed). Here the bytes are read in chunks, and
 * reading stops as soon as there are more than the limit.
 *
 * Only regular files are read (symbolic links followed): opening a named pipe
 * waits for a writer that may never come (`balloonsim run FIFO` hung for
 * ever), and a device or a socket is no file a scenario or a table comes in.
 *
 * `readProblem` puts what went wrong in words, once for every reader of user
 * files: each adds its noun (`cannot read the scenario: `) and its hint.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** The `code` of the error `readFileBounded` throws for a file over its limit (as the file system's "file too large"). */
export const FILE_TOO_LARGE = 'EFBIG';

/** The longest text V8 can build (about 512 MiB): a file larger than this cannot be read as text at all. */
export const TEXT_FILE_BYTES_MAX = 2 ** 29 - 24;

/** The `code` of the error `readFileBounded` throws for a path that is not a regular file nor a directory (a FIFO, a device, a socket). */
export const NOT_A_REGULAR_FILE = 'ERR_NOT_REGULAR_FILE';

const CHUNK_BYTES = 64 * 1024;

/** Opened without waiting: a named pipe opened for reading would wait for a writer before the check below could refuse it. Not on Windows, which has no such files. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a path is, for messages: `a named pipe (FIFO)`, `a character device`, ... */
export function fileKind(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/** Throws unless `stats` are a regular file's: EISDIR for a directory (as the file system says it), NOT_A_REGULAR_FILE with the `kind` for anything else. */
function refuseIfNotRegular(path: string, stats: Stats): void {
  if (stats.isFile()) return;
  if (stats.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR', path });
  const kind = fileKind(stats);
  throw Object.assign(new Error(`${NOT_A_REGULAR_FILE}: not a regular file, read '${path}' (it is ${kind})`), { code: NOT_A_REGULAR_FILE, path, kind });
}

/**
 * Reads the whole of `path`, unless it holds more than `maxBytes`.
 *
 * @throws the file system's error (with its `code`: ENOENT, EISDIR, EACCES, ...),
 * an error with code `NOT_A_REGULAR_FILE` (and the `kind`) for a named pipe, a
 * device or a socket, or one with code `FILE_TOO_LARGE` (and the `bytesMax`)
 * once more than `maxBytes` were read; `readProblem` puts any of them in words
 */
export function readFileBounded(path: string, maxBytes: number): Buffer {
  checkArguments('readFileBounded', path, maxBytes);
  refuseIfNotRegular(path, statSync(path));
  const fd = openSync(path, OPEN_FLAGS);
  try {
    // Again on what was opened: the path may have been replaced since the look above.
    refuseIfNotRegular(path, fstatSync(fd));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
      total += read;
      if (total > maxBytes) {
        throw Object.assign(new Error(`${FILE_TOO_LARGE}: file too large, read '${path}' (more than ${maxBytes} bytes)`), { code: FILE_TOO_LARGE, path, bytesMax: maxBytes });
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the whole of `path` as UTF-8 text, unless it holds more than
 * `maxBytes` (bytes that are not UTF-8 become U+FFFD, as `Buffer#toString`
 * makes them; check the bytes with `readFileBounded` where that matters).
 *
 * @throws as `readFileBounded`: the file system's error, or one with code `NOT_A_REGULAR_FILE` or `FILE_TOO_LARGE`
 */
export function readTextBounded(path: string, maxBytes: number): string {
  checkArguments('readTextBounded', path, maxBytes);
  return readFileBounded(path, maxBytes).toString('utf8');
}

function checkArguments(caller: string, path: string, maxBytes: number): void {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${caller}: path must be a non-empty string`);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`${caller}: maxBytes must be a whole number of at least 0, got ${maxBytes}`);
}

/** What went wrong in reading a file the user named, for the reader to choose its hint by. */
export type ReadProblemKind = 'missing' | 'denied' | 'directory' | 'not-regular' | 'too-large' | 'other';

/** Why a file could not be read, in words that follow `cannot read the scenario: ` (or `cannot read PATH: `). */
export interface ReadProblem {
  kind: ReadProblemKind;
  /** `no such file`, `permission denied`, `it is a directory`, `it is a named pipe (FIFO), not a regular file`, `it is larger than 16 MiB`, or else the error's own message. */
  reason: string;
}

/** A hint for a path that is a pipe: a reader of files says it after its own hint for `not-regular` (`<(...)` gives a pipe). */
export const WRITE_PIPE_TO_FILE = 'to use what a pipe or <(...) gives, write it to a file first';

/**
 * Why reading a file failed, in plain words: the one place that turns the
 * file system's codes and `readFileBounded`'s refusals into words, so that
 * every reader of user files (scenarios, grids, traces, tables, summaries)
 * says the same thing of the same case and adds only its noun and its hint.
 */
export function readProblem(error: unknown): ReadProblem {
  const found = error as { code?: unknown; kind?: unknown; bytesMax?: unknown } | null;
  switch (found?.code) {
    case 'ENOENT':
      return { kind: 'missing', reason: 'no such file' };
    case 'EACCES':
    case 'EPERM':
      return { kind: 'denied', reason: 'permission denied' };
    case 'EISDIR':
      return { kind: 'directory', reason: notRegularReason('a directory') };
    case NOT_A_REGULAR_FILE:
      if (typeof found?.kind === 'string') return { kind: 'not-regular', reason: notRegularReason(found.kind) };
      break;
    case FILE_TOO_LARGE:
      if (typeof found?.bytesMax === 'number') return { kind: 'too-large', reason: `it is larger than ${sizeText(found.bytesMax)}` };
      break;
  }
  return { kind: 'other', reason: error instanceof Error ? error.message : String(error) };
}

/** `cannot read PATH: REASON; HINT`, for a reader whose message names the path: `hint` says what to give instead (to a file that may not be read: check its permissions). */
export function cannotReadMessage(path: string, error: unknown, hint: string): string {
  const { kind, reason } = readProblem(error);
  return `cannot read ${path}: ${reason}; ${kind === 'denied' ? 'check the file permissions' : hint}`;
}

/** Why a path whose `stats` are these cannot be read as a file (as `readProblem` words it); null for a regular file. For readers that only look (another program reads the file). */
export function regularFileProblem(stats: Stats): string | null {
  return stats.isFile() ? null : notRegularReason(fileKind(stats));
}

function notRegularReason(kind: string): string {
  return kind === 'a directory' ? 'it is a directory' : `it is ${kind}, not a regular file`;
}

/** A limit in MiB (every reader's is some MiB; model/units.ts, which formats bytes, is a layer above). */
function sizeText(bytes: number): string {
  return bytes < 2 ** 20 ? `${bytes} bytes` : `${Number((bytes / 2 ** 20).toFixed(2))} MiB`;
}
