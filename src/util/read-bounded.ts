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
 * device or a socket, or one with code `FILE_TOO_LARGE` once more than
 * `maxBytes` were read
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
        throw Object.assign(new Error(`${FILE_TOO_LARGE}: file too large, read '${path}' (more than ${maxBytes} bytes)`), { code: FILE_TOO_LARGE, path });
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

/** Whether an error is `readFileBounded`'s "more than the limit". */
export function isFileTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === FILE_TOO_LARGE;
}

/** `it is a named pipe (FIFO), not a regular file` for `readFileBounded`'s refusal of such a path; null for any other error. */
export function notRegularFileReason(error: unknown): string | null {
  const found = error as { code?: unknown; kind?: unknown } | null;
  return found?.code === NOT_A_REGULAR_FILE && typeof found.kind === 'string' ? `it is ${found.kind}, not a regular file` : null;
}
