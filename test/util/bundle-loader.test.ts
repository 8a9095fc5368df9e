import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cachePathOf, RECORD_CACHE_VARIABLE, runBundle } from '../../src/util/bundle-loader.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A small CommonJS bundle with enough functions for V8 to cache, using what the loader gives it. */
const BUNDLE = `'use strict';
const { join } = require('node:path');
function square(x) { return x * x; }
function sumOfSquares(n) { let sum = 0; for (let i = 1; i <= n; i++) sum += square(i); return sum; }
exports.sumOfSquares = sumOfSquares;
exports.where = join(__dirname, 'x') === require('node:path').join(__dirname, 'x') && __filename.endsWith('small.cjs');
exports.strict = (function () { return this; })() === undefined;
exports.load = (specifier) => __bundleImport(specifier);
`;

describe('runBundle: a CommonJS bundle from its code cache', () => {
  const dir = temporaryDirectory('balloonsim-bundle-loader-');

  it('runs the bundle as Node runs a CommonJS module, with or without a cache', async () => {
    const path = join(dir, 'small.cjs');
    writeFileSync(path, BUNDLE);
    const first = runBundle(path);
    expect(first.cache).toBe('none');
    expect((first.exports.sumOfSquares as (n: number) => number)(10)).toBe(385);
    expect(first.exports.where).toBe(true);
    expect(first.exports.strict).toBe(true);
    first.writeCache();
    expect(existsSync(cachePathOf(path))).toBe(true);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const second = runBundle(pathToFileURL(path));
    expect(second.cache).toBe('used');
    expect((second.exports.sumOfSquares as (n: number) => number)(3)).toBe(14);
    // import() works in a bundle run from a cache (Node 20 cannot do it there by itself).
    const loaded = (await (second.exports.load as (s: string) => Promise<{ sep: string }>)('node:path')) as { sep: string };
    expect(loaded.sep).toBe('/');
  });

  it('ignores a cache V8 refuses (another source) and one that is not a cache at all', () => {
    const path = join(dir, 'changed.cjs');
    writeFileSync(path, BUNDLE);
    runBundle(path).writeCache();
    writeFileSync(path, `${BUNDLE}\nexports.more = 1;\n`);
    const changed = runBundle(path);
    expect(changed.cache).toBe('rejected');
    expect(changed.exports.more).toBe(1);
    // (A source of its own: V8 keeps what it compiled in this process and would not look at the cache.)
    writeFileSync(path, `${BUNDLE}\nexports.more = 2;\n`);
    writeFileSync(cachePathOf(path), 'not a code cache');
    const garbage = runBundle(path);
    expect(garbage.cache).toBe('rejected');
    expect((garbage.exports.sumOfSquares as (n: number) => number)(2)).toBe(5);
  });

  it(`writes the cache when the process ends only when ${RECORD_CACHE_VARIABLE} is 1`, () => {
    const path = join(dir, 'recorded.cjs');
    writeFileSync(path, BUNDLE);
    const loader = pathToFileURL(join(ROOT, 'dist/util/bundle-loader.js')).href;
    const script = `import(${JSON.stringify(loader)}).then(({ runBundle }) => { runBundle(${JSON.stringify(path)}).exports.sumOfSquares(4); });`;
    const quiet = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, [RECORD_CACHE_VARIABLE]: '' } });
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(existsSync(cachePathOf(path))).toBe(false);
    const recording = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, [RECORD_CACHE_VARIABLE]: '1' } });
    expect(recording.status, recording.stderr).toBe(0);
    expect(runBundle(path).cache).toBe('used');
  });
});

describe('the built command line and worker bundles', () => {
  it('have code caches that this Node accepts (npm run build records them)', () => {
    for (const name of ['cli', 'worker-entry']) {
      const path = join(ROOT, 'dist/bundle', `${name}.cjs`);
      expect(existsSync(cachePathOf(path)), `${name}.cjs.cache is missing: did the build's warm-up runs fail?`).toBe(true);
      const loader = pathToFileURL(join(ROOT, 'dist/util/bundle-loader.js')).href;
      // The worker bundle refuses to run outside a worker: start it in one and ask how its cache went.
      const script =
        name === 'cli'
          ? `import(${JSON.stringify(loader)}).then(({ runBundle }) => console.log(runBundle(${JSON.stringify(path)}).cache));`
          : `const { Worker } = require('node:worker_threads'); const w = new Worker(${JSON.stringify(`import(${JSON.stringify(loader)}).then(({ runBundle }) => require('node:worker_threads').parentPort.postMessage({ cache: runBundle(${JSON.stringify(path)}, 'control').cache }));`)}, { eval: true }); w.on('message', (m) => { if (m && m.cache) { console.log(m.cache); w.terminate(); } });`;
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe('used');
      expect(readFileSync(cachePathOf(path)).length).toBeGreaterThan(100_000);
    }
  });
});
