/**
 * A sweep's rows say what the guard refused, and an interrupted sweep given
 * its rows directory again runs only what is missing, and gives the table an
 * uninterrupted sweep gives: no case run twice, none lost.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGrid, loadGridFile } from '../../src/sweep/grid.js';
import { loadFinishedCases, rowFileName, SweepResumeError } from '../../src/sweep/progress.js';
import { planSweep, sweep } from '../../src/sweep/sweep.js';
import { SweepPool } from '../../src/sweep/sweep-pool.js';
import { deterministicTable } from '../../src/sweep/table.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('sweep rows', () => {
  it('a case whose target the guard refused is `refused`, with what was refused (examples/sweeps/idle-target.yaml)', async () => {
    const grid = loadGridFile(join(ROOT, 'examples/sweeps/idle-target.yaml'));
    // Shard 1/5: cases 0 (256 MiB, virtio) and 5 (1 GiB, xen).
    const table = await sweep(grid, { concurrency: 2, shard: '1/5' });
    expect(table.rows.map((r) => [r.case, r.status])).toEqual([
      [0, 'refused'],
      [5, 'ok'],
    ]);
    expect(table.rows[0]!.refused).toHaveLength(1);
    expect(table.rows[0]!.refused[0]).toMatch(/^idle at 2m: refused to shrink idle to 256 MiB: .* below its floor/);
    expect(table.rows[1]!.refused).toEqual([]);
    expect(table.rows[0]!.base).toBe('default');
  });
});

describe('an interrupted sweep resumes', () => {
  const grid = expandGrid({ name: 'resume', base: 'default', durationMs: 30_000, parameters: { seed: [1, 2, 3, 4, 5] } }, { source: 'resume' });

  it('runs only the cases without a row, and gives the uninterrupted table', async () => {
    const pool = new SweepPool(2);
    try {
      const rowsDir = temporaryDirectory('balloonsim-rows-');
      const whole = await sweep(grid, { pool, rowsDir });
      expect(readdirSync(rowsDir).sort()).toEqual([0, 1, 2, 3, 4].map(rowFileName));
      // As if killed after cases 0, 2 and 4 had finished (and while writing case 1's row: a temporary file).
      rmSync(join(rowsDir, rowFileName(1)));
      rmSync(join(rowsDir, rowFileName(3)));
      writeFileSync(join(rowsDir, `.${rowFileName(1)}.tmp-999999999-0-1`), '{"kind":"balloonsim-sweep-row","fing');
      expect(planSweep(grid, { rowsDir }).cases.map((c) => c.finished)).toEqual([true, false, true, false, true]);
      const ran: number[] = [];
      const resumed = await sweep(grid, { pool, rowsDir, onCaseDone: (row) => ran.push(row.case) });
      expect(ran.sort()).toEqual([1, 3]);
      expect(deterministicTable(resumed)).toEqual(deterministicTable(whole));
      expect(resumed.timing[0]!.resumedCases).toBe(3);
      expect(Object.keys(resumed.timing[0]!.caseSeconds).sort()).toEqual(['0', '1', '2', '3', '4']);
      expect(readdirSync(rowsDir).filter((name) => name.includes('.tmp-'))).toEqual([]);
      // Nothing left: a third run runs nothing.
      const again: number[] = [];
      expect(deterministicTable(await sweep(grid, { pool, rowsDir, onCaseDone: (row) => again.push(row.case) }))).toEqual(deterministicTable(whole));
      expect(again).toEqual([]);
      // Only the cases of the shard are taken, and a shard resumes alone.
      const shard = await sweep(grid, { pool, rowsDir, shard: '2/2' });
      expect(shard.rows.map((r) => r.case)).toEqual([1, 3]);
    } finally {
      await pool.close();
    }
  });

  it('refuses the rows of another grid, and reads a damaged row as not finished', async () => {
    const rowsDir = temporaryDirectory('balloonsim-rows-');
    writeFileSync(join(rowsDir, rowFileName(0)), JSON.stringify({ kind: 'balloonsim-sweep-row', fingerprint: 'other', row: { case: 0 }, wallSeconds: 1 }));
    expect(() => loadFinishedCases(rowsDir, grid.fingerprint, 5)).toThrow(SweepResumeError);
    await expect(sweep(grid, { rowsDir, concurrency: 1 })).rejects.toThrow(/another sweep grid .*--restart/);
    writeFileSync(join(rowsDir, rowFileName(0)), 'not json');
    expect(loadFinishedCases(rowsDir, grid.fingerprint, 5).size).toBe(0);
    expect(existsSync(join(rowsDir, rowFileName(0)))).toBe(true);
  });
});
