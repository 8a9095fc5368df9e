/**
 * The primitive under every output: a file written through a temporary
 * name and a rename is whole or absent, even when the writer is killed in
 * the middle of writing it. Here the writer is a child process writing a
 * file large enough (hundreds of MB, or a Parquet file of millions of rows)
 * to be killed mid-write; and no writer of outputs bypasses the primitive.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTemporaryName, removeStaleTemporaries, temporaryPathFor, writeFileAtomic, writeFileAtomicChunks } from '../../src/output/atomic-file.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const DIST = fileURLToPath(new URL('../../dist/output/', import.meta.url));
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Runs `script` (an ES module) in a child and kills it with SIGKILL as soon
 * as a file in `dir` (its temporary file, or the file itself if a writer
 * wrote it in place) has grown past `bytes`: mid-write.
 */
function killMidWrite(script: string, dir: string, bytes: number): Promise<{ killed: boolean; seenBytes: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
    let seenBytes = 0;
    const poll = setInterval(() => {
      for (const name of readdirSync(dir)) {
        let size = 0;
        try {
          size = statSync(join(dir, name)).size;
        } catch {
          continue;
        }
        if (size > bytes) {
          seenBytes = size;
          child.kill('SIGKILL');
          clearInterval(poll);
        }
      }
    }, 1);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      resolve({ killed: signal === 'SIGKILL', seenBytes });
    });
  });
}

describe('crash-safe files', () => {
  it('writes through a hidden temporary name', () => {
    const dir = temporaryDirectory('balloonsim-atomic-');
    const path = join(dir, 'summary.json');
    expect(temporaryPathFor(path)).toMatch(/\/\.summary\.json\.tmp-\d+-\d+-\d+$/);
    writeFileAtomic(path, 'one\n');
    writeFileAtomic(path, 'two\n');
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(readdirSync(dir)).toEqual(['summary.json']);
    // A temporary file of a process that is gone is cleared; one of a live process is not.
    writeFileSync(join(dir, '.x.csv.tmp-999999999-0-1'), 'half');
    writeFileSync(join(dir, `.y.csv.tmp-${process.pid}-0-1`), 'half');
    expect(removeStaleTemporaries(dir)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['.y.csv.tmp-' + process.pid + '-0-1', 'summary.json']);
  });

  it('a file killed mid-write leaves the complete old file, never part of the new one', async () => {
    const dir = temporaryDirectory('balloonsim-atomic-');
    const path = join(dir, 'timeseries.csv');
    writeFileSync(path, 'the old, complete file\n');
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(join(DIST, 'atomic-file.js'))};
      writeFileAtomic(${JSON.stringify(path)}, Buffer.alloc(768 * 2 ** 20, 97));
    `;
    const { killed, seenBytes } = await killMidWrite(script, dir, 16 * 2 ** 20);
    expect(killed).toBe(true);
    expect(seenBytes).toBeGreaterThan(16 * 2 ** 20);
    expect(readFileSync(path, 'utf8')).toBe('the old, complete file\n');
    expect(readdirSync(dir).filter((name) => !isTemporaryName(name))).toEqual(['timeseries.csv']);
    expect(removeStaleTemporaries(dir)).toBe(1);
  });

  it('writes a file piece by piece through a temporary name, and leaves the old one when the producer fails', () => {
    const dir = temporaryDirectory('balloonsim-atomic-');
    const path = join(dir, 'timeseries.csv');
    const piece = Buffer.from('abc\n');
    writeFileAtomicChunks(path, (sink) => {
      for (let i = 0; i < 3; i++) {
        sink(piece);
        // Written when the sink returns: the producer may reuse its buffer.
        expect(readdirSync(dir).filter(isTemporaryName)).toHaveLength(1);
      }
      sink(new Uint8Array(0));
    });
    expect(readFileSync(path, 'utf8')).toBe('abc\nabc\nabc\n');
    expect(() =>
      writeFileAtomicChunks(path, (sink) => {
        sink(Buffer.from('half'));
        throw new Error('no more');
      }),
    ).toThrow('no more');
    expect(readFileSync(path, 'utf8')).toBe('abc\nabc\nabc\n');
    expect(readdirSync(dir)).toEqual(['timeseries.csv']);
  });

  it('a file written piece by piece and killed mid-write leaves the complete old file', async () => {
    const dir = temporaryDirectory('balloonsim-atomic-');
    const path = join(dir, 'timeseries.csv');
    writeFileSync(path, 'the old, complete file\n');
    const script = `
      import { writeFileAtomicChunks } from ${JSON.stringify(join(DIST, 'atomic-file.js'))};
      const piece = Buffer.alloc(2 ** 20, 97);
      writeFileAtomicChunks(${JSON.stringify(path)}, (sink) => { for (let i = 0; i < 768; i++) sink(piece); });
    `;
    const { killed } = await killMidWrite(script, dir, 16 * 2 ** 20);
    expect(killed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('the old, complete file\n');
    expect(removeStaleTemporaries(dir)).toBe(1);
  });

  it('a Parquet file killed mid-write is absent', async () => {
    const dir = temporaryDirectory('balloonsim-atomic-');
    const path = join(dir, 'timeseries.parquet');
    // Random doubles do not compress: the file grows for a while.
    const script = `
      import { writeParquet } from ${JSON.stringify(join(DIST, 'parquet.js'))};
      let x = 1;
      const value = () => { x = (x * 48271) % 2147483647; return x / 2147483647; };
      await writeParquet([{ path: ${JSON.stringify(path)}, table: { rows: 3_000_000, columns: [
        { name: 'a', type: 'DOUBLE', value }, { name: 'b', type: 'DOUBLE', value }, { name: 'c', type: 'DOUBLE', value } ] } }]);
    `;
    const { killed } = await killMidWrite(script, dir, 2 * 2 ** 20);
    expect(killed).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('no output writer bypasses it (src/output, src/sweep, src/cli)', () => {
    const offenders: string[] = [];
    for (const folder of ['output', 'sweep', 'cli']) {
      for (const name of readdirSync(join(SRC, folder))) {
        if (!name.endsWith('.ts') || name === 'atomic-file.ts') continue;
        const text = readFileSync(join(SRC, folder, name), 'utf8');
        if (/\b(writeFileSync|appendFileSync|createWriteStream|writeFile)\s*\(/.test(text)) offenders.push(`${folder}/${name}: writes a file directly`);
        if (/COPY\s.*\sTO\s/.test(text) && !/writeThroughTemporary/.test(text)) offenders.push(`${folder}/${name}: COPY TO outside writeThroughTemporary`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
