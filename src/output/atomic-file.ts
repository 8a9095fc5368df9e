/**
 * Crash-safe files: everything balloonsim writes under `--out` is first
 * written to a hidden temporary name in the same directory, flushed to disk,
 * and then renamed over its real name. A rename within one directory is
 * atomic on POSIX file systems, so a reader (or a resumed sweep) sees either
 * the complete old file, the complete new one, or none: never half a file,
 * whenever the process is killed.
 *
 * A process killed between writing and renaming leaves its temporary file
 * behind; temporary names start with `.` and contain `.tmp-`, so they are
 * never mistaken for outputs, and `removeStaleTemporaries` clears them.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

/** The marker every temporary name carries. */
export const TEMPORARY_MARK = '.tmp-';

let counter = 0;

/** A fresh hidden temporary name beside `path`: `.NAME.tmp-PID-THREAD-N`. */
export function temporaryPathFor(path: string): string {
  counter++;
  return join(dirname(path), `.${basename(path)}${TEMPORARY_MARK}${process.pid}-${threadId}-${counter}`);
}

/** Whether a file name is one of these temporary names. */
export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMPORARY_MARK);
}

/** Flushes a directory's entries (the rename) to disk; best effort where directories cannot be opened. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Flushes a complete temporary file to disk and renames it over `path`. */
function publish(temporary: string, path: string): void {
  const fd = openSync(temporary, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncDirectory(dirname(path));
}

/** Lets `fill` write a temporary file beside `path`, then publishes it; when `fill` throws, removes it and leaves `path` as it was. */
function fillThenPublish(path: string, fill: (temporary: string) => void): void {
  const temporary = temporaryPathFor(path);
  try {
    fill(temporary);
    publish(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Writes `data` to `path` through a temporary file and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  fillThenPublish(path, (temporary) => writeFileSync(temporary, data));
}

/** Hands bytes to a file being written; they are written before it returns, so the caller may reuse its buffer. */
export type ByteSink = (bytes: Uint8Array) => void;

/** Writes all of `bytes` at the file's position (writeSync may write less than it is given). */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Writes `path` through a temporary file and a rename, as `writeFileAtomic`
 * does, from the pieces that `produce` hands to its sink in order: a large
 * file (timeseries.csv of a thousand guests is 100 MB) is written as it is
 * made, never held whole in memory. When `produce` throws, the temporary
 * file is removed and `path` is left as it was.
 */
export function writeFileAtomicChunks(path: string, produce: (sink: ByteSink) => void): void {
  fillThenPublish(path, (temporary) => {
    const fd = openSync(temporary, 'w');
    try {
      produce((bytes) => writeAll(fd, bytes));
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Lets `write` fill a temporary file (for writers that take a path, such as
 * DuckDB's COPY), then flushes it and renames it to `path`.
 */
export async function writeThroughTemporary(path: string, write: (temporaryPath: string) => Promise<void>): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    await write(temporary);
    publish(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Whether the process that made a temporary name is gone (or the name does not say). */
function ownerIsGone(name: string): boolean {
  const found = /\.tmp-(\d+)-\d+-\d+$/.exec(name);
  if (found === null) return true;
  const pid = Number(found[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'ESRCH';
  }
}

/**
 * Deletes temporary files that a killed process left in `dir` (not in its
 * subdirectories); those of a process still running are left alone. Returns
 * how many were deleted.
 */
export function removeStaleTemporaries(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!isTemporaryName(name) || !ownerIsGone(name)) continue;
    rmSync(join(dir, name), { force: true, recursive: true });
    removed++;
  }
  return removed;
}
