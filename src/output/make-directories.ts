/**
 * `mkdir -p` that always ends. Node 20's `mkdirSync(dir, { recursive: true })`
 * loops for ever, in the kernel, when `mkdir` answers ENOENT under a parent
 * that exists (a path under /proc does: `balloonsim run --out /proc/x` spun
 * at full CPU without a word). Here the missing folders are found by walking
 * up from `dir` and made one at a time, top first, so every failure is an
 * error with the code of the step that failed.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** An error like the file system's, for a path part that is a file. */
function notADirectory(path: string): Error {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', path });
}

/**
 * Creates `dir` and whichever of its parents are missing. Does nothing if it
 * is a folder already.
 *
 * @throws the file system's error (with its `code`) for the first part that
 * cannot be made, or ENOTDIR if a part of the path is a file
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; ) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(at).isDirectory();
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw error;
      missing.push(at);
      const parent = dirname(at);
      if (parent === at) break;
      at = parent;
      continue;
    }
    if (!isDirectory) throw notADirectory(at);
    break;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    const path = missing[i]!;
    try {
      mkdirSync(path);
    } catch (error) {
      // Made meanwhile by someone else: fine if it is a folder.
      if (codeOf(error) !== 'EEXIST') throw error;
      if (!statSync(path).isDirectory()) throw notADirectory(path);
    }
  }
}
