/**
 * The files of one command's `--out` are one result, replaced as a whole:
 * they are written into a hidden folder inside the output folder, and moved
 * in only when all of them are complete, the last of them (the one tools
 * look for: summary.json, sweep.json, compare.json) last, after the old one
 * was removed. A command stopped while writing (Ctrl-C, a kill), or a disk
 * that fills up, leaves the files of before as they were, instead of a
 * mixture of two results; a folder that holds the last file holds the rest
 * of the same result. The hidden folder is removed, or cleared by the next
 * command that writes there (its name is a temporary name, see atomic-file.ts).
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunFailure } from '../runtime/errors.js';
import { removeStaleTemporaries, syncDirectory, temporaryPathFor } from './atomic-file.js';
import { makeDirectories } from './make-directories.js';
import { fileErrorReason } from './out-dir.js';

/** The files of an output folder could not be written (a full disk, a folder that went away). The CLI exits with 1. */
export class OutputError extends RunFailure {
  override name = 'OutputError';

  constructor(message: string) {
    super('OUTPUT_NOT_WRITTEN', message);
  }
}

/**
 * Writes a set of files into `dir` (created if needed) as one: `write` fills
 * the folder it is given with every file of `names`, and they are moved into
 * `dir` only when it has returned. `names` ends with the file that says the
 * set is complete. Files named in `stale` are removed from `dir` as well (an
 * old file that this result has no counterpart of).
 *
 * @throws OutputError for the file system's errors, saying what was left in `dir`; any other error as it is
 */
export async function writeFileSet(dir: string, names: ReadonlyArray<string>, write: (staging: string) => Promise<void> | void, stale: ReadonlyArray<string> = []): Promise<string[]> {
  if (names.length === 0) throw new TypeError('writeFileSet: names must list at least the file that marks the set complete');
  const last = names[names.length - 1]!;
  let staging: string | null = null;
  let moving = false;
  try {
    makeDirectories(dir);
    removeStaleTemporaries(dir);
    staging = temporaryPathFor(join(dir, 'outputs'));
    mkdirSync(staging);
    await write(staging);
    moving = true;
    rmSync(join(dir, last), { force: true });
    for (const name of stale) rmSync(join(dir, name), { force: true });
    for (const name of names) renameSync(join(staging, name), join(dir, name));
    syncDirectory(dir);
  } catch (error) {
    // The file system's errors (a full disk, a folder gone) are said in words; anything else is a bug, thrown as it is.
    if (typeof (error as { code?: unknown } | null)?.code !== 'string') throw error;
    const left = moving ? `the folder is left without ${last}: its files are not those of one result` : 'the files there are those of before';
    throw new OutputError(`cannot write the outputs into ${dir}: ${fileErrorReason(error)}; ${left}`);
  } finally {
    if (staging !== null) rmSync(staging, { recursive: true, force: true });
  }
  return names.map((name) => join(dir, name));
}
