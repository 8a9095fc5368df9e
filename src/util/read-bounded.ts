/**
 * Reading a file that the user names, with a limit on its size. A file's
 * size as `stat` tells it is no bound: a device (`/dev/zero`, `/dev/urandom`)
 * or a /proc file says 0 and never ends, and `readFileSync` then grows its
 * buffer until the process dies (`balloonsim validate /dev/zero` took 16 GiB
 * and a minute before it crashed). Here the bytes are read in chunks, and
 * reading stops as soon as there are more than the limit.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** The `code` of the error `readFileBounded` throws for a file over its limit (as the file system's "file too large"). */
export const FILE_TOO_LARGE = 'EFBIG';

/** The longest text V8 can build (about 512 MiB): a file larger than this cannot be read as text at all. */
export const TEXT_FILE_BYTES_MAX = 2 ** 29 - 24;

const CHUNK_BYTES = 64 * 1024;

/**
 * Reads the whole of `path`, unless it holds more than `maxBytes`.
 *
 * @throws the file system's error (with its `code`: ENOENT, EISDIR, EACCES, ...),
 * or an error with code `FILE_TOO_LARGE` once more than `maxBytes` were read
 */
export function readFileBounded(path: string, maxBytes: number): Buffer {
  checkArguments('readFileBounded', path, maxBytes);
  const fd = openSync(path, 'r');
  try {
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
 * @throws as `readFileBounded`: the file system's error, or one with code `FILE_TOO_LARGE`
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
