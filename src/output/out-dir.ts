/**
 * `--out DIR` is checked before a run starts, so that a path that cannot take
 * the outputs fails at once instead of after the whole simulation.
 */
import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
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

/** What a command writes under --out: a run's files (run) or a sweep's (sweep, merge). */
export type OutputKind = 'run' | 'sweep';

/** The file (or folder) that says a directory holds a kind's outputs. */
const KIND_MARKS: Readonly<Record<OutputKind, ReadonlyArray<string>>> = {
  run: ['summary.json'],
  sweep: ['sweep.json', 'rows'],
};

/**
 * A run's outputs and a sweep's share report.html and the query views: written
 * into one directory, the second replaced the first's report and left its other
 * files beside, so that compare read the run's summary.json in what was now a
 * sweep's directory and query showed the tables of both.
 */
function refuseOtherKind(dir: string, shown: string, flag: string, kind: OutputKind): void {
  const other: OutputKind = kind === 'run' ? 'sweep' : 'run';
  const found = KIND_MARKS[other].find((name) => existsSync(join(dir, name)));
  if (found === undefined) return;
  throw new InputError(`${flag} ${shown} holds a ${other}'s outputs (${found}); give another folder for the ${kind}'s, so that the two are not mixed (they share report.html)`);
}

/**
 * Makes sure `dir` is a folder the outputs can be written into: creates it
 * (and its parents) if missing, and writes and removes a probe file.
 *
 * @param flag names the option in messages (`--out`)
 * @param kind the outputs to be written: a folder that holds the other kind's is refused
 * @throws InputError saying what is wrong with the path and what to give instead
 */
export function prepareOutDir(dir: string, flag = '--out', kind?: OutputKind): void {
  if (typeof dir !== 'string' || dir.trim() === '') throw new InputError(`${flag} needs a folder path`);
  const shown = JSON.stringify(dir);
  let isDirectory: boolean | null = null;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // missing: created below
  }
  if (isDirectory === false) throw new InputError(`${flag} ${shown} is a file, not a folder; give a folder for the outputs (it is created if missing)`);
  if (isDirectory === true && kind !== undefined) refuseOtherKind(dir, shown, flag, kind);
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
