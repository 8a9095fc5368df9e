/** Unit tests of src/output/out-dir.ts: `--out DIR` checked before a run. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/output/input-error.js';
import { prepareOutDir } from '../../src/output/out-dir.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('balloonsim-out-dir-');
});

describe('prepareOutDir', () => {
  it('creates a missing folder and its parents, and leaves no probe file behind', () => {
    const out = join(dir, 'a', 'b');
    prepareOutDir(out);
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(out)).toEqual([]);
  });

  it("refuses a folder that holds the other kind's outputs (a run's into a sweep's, or a sweep's into a run's), and takes its own kind's", () => {
    // The second command replaced the first's report.html and left its other files beside: compare then read the
    // run's summary.json in a sweep's folder, and query showed both sets of tables.
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'summary.json'), '{}');
    expect(() => prepareOutDir(run, '--out', 'sweep')).toThrow(
      new InputError(`--out ${JSON.stringify(run)} holds a run's outputs (summary.json); give another folder for the sweep's, so that the two are not mixed (they share report.html)`),
    );
    prepareOutDir(run, '--out', 'run');
    const sweep = join(dir, 'sweep');
    mkdirSync(join(sweep, 'rows'), { recursive: true });
    expect(() => prepareOutDir(sweep, '--out', 'run')).toThrow(/holds a sweep's outputs \(rows\); give another folder for the run's/);
    writeFileSync(join(sweep, 'sweep.json'), '{}');
    expect(() => prepareOutDir(sweep, '--out', 'run')).toThrow(/holds a sweep's outputs \(sweep\.json\)/);
    prepareOutDir(sweep, '--out', 'sweep');
  });

  it('accepts a folder that exists, keeping what is in it', () => {
    writeFileSync(join(dir, 'keep.txt'), 'x');
    prepareOutDir(dir);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('refuses an empty path, naming the flag', () => {
    expect(() => prepareOutDir('  ', '--case-outputs')).toThrow(new InputError('--case-outputs needs a folder path'));
  });

  it('refuses a file, saying what to give instead', () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    expect(() => prepareOutDir(file)).toThrow(InputError);
    expect(() => prepareOutDir(file)).toThrow(`--out ${JSON.stringify(file)} is a file, not a folder; give a folder for the outputs (it is created if missing)`);
  });

  it('refuses a path through a file', () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    expect(() => prepareOutDir(join(file, 'sub'))).toThrow(`--out ${JSON.stringify(join(file, 'sub'))}: cannot create the folder: a part of the path is a file, not a folder; give a folder you can write to`);
  });

  it('refuses a path the file system cannot take, saying why', () => {
    const long = join(dir, 'x'.repeat(300));
    expect(() => prepareOutDir(long)).toThrow(`--out ${JSON.stringify(long)}: cannot create the folder: the path is too long; give a folder you can write to`);
  });

  // Node 20's recursive mkdir loops for ever in the kernel there (mkdir answers ENOENT under a parent that exists).
  it.runIf(process.platform === 'linux')('refuses a folder under /proc at once instead of hanging', () => {
    expect(() => prepareOutDir('/proc/balloonsim-out/run')).toThrow('--out "/proc/balloonsim-out/run": cannot create the folder: its file system does not allow new folders there; give a folder you can write to');
  });
});
