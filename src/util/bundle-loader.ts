/**
 * Runs a CommonJS bundle (dist/bundle/*.cjs, scripts/bundle.mjs) from V8's
 * code cache: the bytecode of the bundle's functions, saved beside it as
 * `<bundle>.cache` by a warm-up run at build time.
 *
 * Why: V8 compiles a script's functions lazily, each the first time it runs.
 * A run of examples/dense-64.yaml compiles about two thousand of them (and the
 * 2 MB bundle's outer code at start), about 0.1 s of CPU for every process
 * and every worker thread, the same work every time. With a cache they are
 * read, not compiled. Node 22 has this built in (`module.enableCompileCache`);
 * Node 20 has it only for scripts compiled through `vm.Script`, so the
 * bundle is CommonJS and run here the way Node runs a CommonJS module.
 *
 * The cache is an optimisation only. V8 checks that it was made from the
 * same source by the same V8 with the same flags, and rejects it otherwise
 * (then every function compiles as usual); a missing or unreadable cache
 * file is the same as none. Node 20 cannot run `import()` in code run
 * through `vm.Script` from a cache, so the bundle is given this module's
 * (see util/import-module.ts).
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { parentPort, threadId } from 'node:worker_threads';
import { importModule } from './import-module.js';

/** A bundle that was run, and what came of its cache. */
export interface LoadedBundle {
  /** What the bundle exported (`module.exports`). */
  readonly exports: Record<string, unknown>;
  /** 'used': the cache was read; 'rejected': V8 refused it (another source, V8 or flags); 'none': there was no cache file. */
  readonly cache: 'used' | 'rejected' | 'none';
  /** Writes the bytecode compiled so far to the cache file (to a temporary name, then renamed: readers never see half a file). */
  writeCache(): void;
}

/** The cache file of a bundle. */
export function cachePathOf(bundlePath: string): string {
  return `${bundlePath}.cache`;
}

/**
 * Set to 1 by the build's warm-up runs (scripts/bundle.mjs): every bundle
 * run then writes its cache when it is done (see `runBundle`).
 */
export const RECORD_CACHE_VARIABLE = 'BALLOONSIM_RECORD_CODE_CACHE';

/**
 * When a recording bundle writes its cache. 'exit': when its process exits
 * (the command line). 'control': on every control message from the parent
 * thread, before it is handled (a worker: the coordinator terminates it
 * without warning, so it cannot wait for its end; the last control message
 * of a run asks for the reports, after the final audit).
 */
export type RecordAt = 'exit' | 'control';

/** The parameters Node gives a CommonJS module's code, and the bundle's `import()` (util/import-module.ts). */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname, __bundleImport) { ';
const WRAPPER_TAIL = '\n})';

/**
 * Runs the CommonJS bundle at `bundle` (a path or a file URL), from its code
 * cache when there is a usable one. When the environment asks for it
 * (RECORD_CACHE_VARIABLE), the cache is written at `recordAt`.
 */
export function runBundle(bundle: string | URL, recordAt: RecordAt = 'exit'): LoadedBundle {
  const path = typeof bundle === 'string' ? bundle : fileURLToPath(bundle);
  const source = readFileSync(path, 'utf8');
  const cachePath = cachePathOf(path);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(WRAPPER_HEAD + source + WRAPPER_TAIL, {
    filename: path,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'used';
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeRequire, module: unknown, filename: string, dirname: string, bundleImport: typeof importModule) => void;
  const writeCache = (): void => {
    const temporary = `${cachePath}.${process.pid}.${threadId}.tmp`;
    try {
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cachePath);
    } finally {
      rmSync(temporary, { force: true });
    }
  };
  if (process.env[RECORD_CACHE_VARIABLE] === '1') {
    // Registered before the bundle runs, so a control message is seen before the bundle's own listener answers it.
    if (recordAt === 'control') parentPort?.on('message', writeCache);
    else process.on('exit', writeCache);
  }
  const module = { exports: {} as Record<string, unknown> };
  wrapper.call(module.exports, module.exports, createRequire(path), module, path, dirname(path), importModule);
  return { exports: module.exports, cache, writeCache };
}
