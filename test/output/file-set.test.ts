/** Unit tests of src/output/file-set.ts: the files of an --out folder replaced as a whole. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputError, writeFileSet } from '../../src/output/file-set.js';
import { RunFailure } from '../../src/runtime/errors.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const NAMES = ['table.csv', 'report.html', 'result.json'];

function oldFolder(): string {
  const dir = temporaryDirectory('balloonsim-file-set-');
  for (const name of [...NAMES, 'extra.csv']) writeFileSync(join(dir, name), `old ${name}`);
  return dir;
}

const diskFull = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('writeFileSet', () => {
  it('moves every file in, removes the stale ones, and leaves nothing hidden', async () => {
    const dir = oldFolder();
    const paths = await writeFileSet(dir, NAMES, (staging) => {
      for (const name of NAMES) writeFileSync(join(staging, name), `new ${name}`);
    }, ['extra.csv']);
    expect(paths).toEqual(NAMES.map((name) => join(dir, name)));
    expect(readdirSync(dir).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) expect(readFileSync(join(dir, name), 'utf8')).toBe(`new ${name}`);
  });

  it('creates the folder when it is missing', async () => {
    const dir = join(temporaryDirectory('balloonsim-file-set-'), 'a', 'b');
    await writeFileSet(dir, ['only.json'], (staging) => writeFileSync(join(staging, 'only.json'), '{}'));
    expect(readdirSync(dir)).toEqual(['only.json']);
  });

  it('a write that fails half way (a full disk) leaves every old file as it was, and says so', async () => {
    const dir = oldFolder();
    const written = writeFileSet(dir, NAMES, (staging) => {
      writeFileSync(join(staging, 'table.csv'), 'new');
      throw diskFull();
    });
    await expect(written).rejects.toThrow(new OutputError(`cannot write the outputs into ${dir}: the disk is full; the files there are those of before`));
    await expect(written).rejects.toBeInstanceOf(RunFailure);
    expect(readdirSync(dir).sort()).toEqual([...NAMES, 'extra.csv'].sort());
    for (const name of NAMES) expect(readFileSync(join(dir, name), 'utf8')).toBe(`old ${name}`);
  });

  it('an error that is not the file system\'s is a bug: thrown as it is, the hidden folder removed all the same', async () => {
    const dir = oldFolder();
    await expect(writeFileSet(dir, NAMES, () => {
      throw new TypeError('a bug');
    })).rejects.toThrow(new TypeError('a bug'));
    expect(readdirSync(dir).some((name) => name.startsWith('.'))).toBe(false);
    expect(existsSync(join(dir, 'result.json'))).toBe(true);
  });
});
