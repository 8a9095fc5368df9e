/**
 * `--out DIR` is checked before a run starts, so that a path that cannot take
 * the outputs fails at once instead of after the whole simulation.
 */
import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from './input-error.js';
import { makeDirectories } from './make-directories.js';

/** What a file system error means, in words (`the disk is full`), for messages about --out and standard output. */
export function fileErrorReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EFBIG':
      return 'the file is too large';
    case 'EIO':
      return 'an input/output error';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ENOENT':
      // A parent exists but its file system takes no new folders (/proc, /sys).
      return 'its file system does not allow new folders there';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Makes sure `dir` is a folder the outputs can be written into: creates it
 * (and its parents) if missing, and writes and removes a probe file.
 *
 * @param flag names the option in messages (`--out`)
 * @throws InputError saying what is wrong with the path and what to give instead
 */
export function prepareOutDir(dir: string, flag = '--out'): void {
  if (typeof dir !== 'string' || dir.trim() === '') throw new InputError(`${flag} needs a folder path`);
  const shown = JSON.stringify(dir);
  let isDirectory: boolean | null = null;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // missing: created below
  }
  if (isDirectory === false) throw new InputError(`${flag} ${shown} is a file, not a folder; give a folder for the outputs (it is created if missing)`);
  try {
    makeDirectories(dir);
  } catch (error) {
    throw new InputError(`${flag} ${shown}: cannot create the folder: ${fileErrorReason(error)}; give a folder you can write to`);
  }
  const probe = join(resolve(dir), `.balloonsim-write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w'));
    rmSync(probe, { force: true });
  } catch (error) {
    throw new InputError(`${flag} ${shown}: cannot write into the folder: ${fileErrorReason(error)}; give a folder you can write to`);
  }
}
