/**
 * Crash-safe outputs (issue 13, point 4): `run --out` and `sweep --out`
 * killed with SIGKILL at random moments leave every output file complete or
 * absent (temporary files aside), and the sweep, run again, resumes to the
 * table an uninterrupted sweep gives: no case lost, none counted twice.
 * (Most of a run's time is spent computing, and most writes take a
 * millisecond, so these kills rarely land inside a write: the writing
 * itself is tested by killing it mid-write, in test/output/atomic-file.test.ts.)
 *
 * The kill times come from the suite's seed (printed in its title; set
 * BALLOONSIM_SEED to replay the same times).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTemporaryName } from '../../src/output/atomic-file.js';
import { openDuckDB, sqlString } from '../../src/output/duckdb.js';
import { deterministicTable, type SweepTable } from '../../src/sweep/table.js';
import { describeSeed, propertyParams } from '../support/fc.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const BIN = fileURLToPath(new URL('../../bin/balloonsim.js', import.meta.url));
const params = propertyParams('kill times', { numRuns: 1 });
const work = temporaryDirectory('balloonsim-kill-');

/** A small deterministic generator for the kill times (mulberry32). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts the CLI and kills it with SIGKILL `afterMs` after it starts. */
function killAfter(args: string[], afterMs: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Cells of a CSV line, honouring quotes. */
function csvCells(line: string): number {
  let cells = 1;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) cells++;
  }
  return cells;
}

/** What is wrong with an output file (null when it is complete). */
async function incomplete(path: string): Promise<string | null> {
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  if (path.endsWith('.parquet')) {
    if (bytes.subarray(0, 4).toString('latin1') !== 'PAR1' || bytes.subarray(-4).toString('latin1') !== 'PAR1') return 'not a whole Parquet file';
    const db = await openDuckDB(1);
    try {
      await db.connection.run(`SELECT count(*) FROM read_parquet(${sqlString(path)})`);
    } catch (error) {
      return `DuckDB cannot read it: ${String(error)}`;
    } finally {
      db.close();
    }
    return null;
  }
  if (path.endsWith('.json')) {
    try {
      JSON.parse(text);
      return null;
    } catch {
      return 'not whole JSON';
    }
  }
  if (path.endsWith('.jsonl')) return text === '' || (text.endsWith('\n') && text.trimEnd().split('\n').every((line) => JSON.parse(line) !== null)) ? null : 'a line is cut';
  if (path.endsWith('.csv')) {
    if (!text.endsWith('\n')) return 'the last line is cut';
    const lines = text.trimEnd().split('\n');
    const width = csvCells(lines[0]!);
    return lines.every((line) => csvCells(line) === width) ? null : 'a row has the wrong number of cells';
  }
  if (path.endsWith('.html')) return text.endsWith('</html>\n') ? null : 'the page is cut';
  return `an unexpected file`;
}

/** Every output under `dir` is complete; temporary files are allowed (and hidden). */
async function expectCompleteOrAbsent(dir: string, when: string): Promise<void> {
  for (const path of filesUnder(dir)) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (isTemporaryName(name)) continue;
    expect(await incomplete(path), `${relative(dir, path)} ${when}`).toBeNull();
  }
}

describe(`outputs killed at random moments ${describeSeed(params.seed)}`, () => {
  const random = generator(params.seed);
  const grid = join(work, 'grid.yaml');
  writeFileSync(grid, 'name: killed\nbase: default\nduration: 40s\nparameters:\n  host.memory: [12GiB, 16GiB]\n  seed: [1, 2, 3]\n');

  it('run --out leaves complete files or none', async () => {
    const out = join(work, 'run');
    const kills: string[] = [];
    for (let round = 0; round < 5; round++) {
      // Into the same directory each time: a kill may land while a complete file is being replaced.
      const afterMs = Math.round(400 + random() * 1600);
      const { killed } = await killAfter(['run', '--duration', '3m', '--placement', 'inline', '--quiet', '--out', out], afterMs);
      kills.push(`${afterMs} ms${killed ? '' : ' (it had finished)'}`);
      await expectCompleteOrAbsent(out, `after kills at ${kills.join(', ')}`);
    }
  });

  it('sweep --out leaves complete files or none, and resumes to the uninterrupted table', async () => {
    const reference = spawnSync(process.execPath, [BIN, 'sweep', grid, '--concurrency', '2', '--quiet', '--out', join(work, 'reference')], { encoding: 'utf8' });
    expect(reference.status, reference.stderr).toBe(0);
    const out = join(work, 'sweep');
    const kills: string[] = [];
    for (let round = 0; round < 5; round++) {
      const afterMs = Math.round(200 + random() * 2500);
      const { killed } = await killAfter(['sweep', grid, '--concurrency', '2', '--case-outputs', '--quiet', '--out', out], afterMs);
      kills.push(`${afterMs} ms${killed ? '' : ' (it had finished)'}`);
      await expectCompleteOrAbsent(out, `after kills at ${kills.join(', ')}`);
    }
    const finish = spawnSync(process.execPath, [BIN, 'sweep', grid, '--concurrency', '2', '--case-outputs', '--quiet', '--out', out], { encoding: 'utf8' });
    expect(finish.status, finish.stderr).toBe(0);
    await expectCompleteOrAbsent(out, 'at the end');
    const read = (dir: string): SweepTable => JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepTable;
    expect(deterministicTable(read(out)), `kills at ${kills.join(', ')}`).toEqual(deterministicTable(read(join(work, 'reference'))));
    expect(readFileSync(join(out, 'sweep.parquet')).equals(readFileSync(join(work, 'reference', 'sweep.parquet')))).toBe(true);
    expect(filesUnder(out).filter((path) => isTemporaryName(path.slice(path.lastIndexOf('/') + 1)))).toEqual([]);
  });
});
