/** Unit tests of src/sweep/progress.ts: a sweep's finished rows on disk, read back to resume. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { clearFinishedCases, loadFinishedCases, rowFileName, saveFinishedCase, SweepResumeError } from '../../src/sweep/progress.js';
import { row } from '../support/sweep-tables.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
let rows: string;
beforeEach(() => {
  dir = temporaryDirectory('balloonsim-progress-');
  rows = join(dir, 'rows');
});

describe('rowFileName', () => {
  it('pads the case number to four digits, and no more than it needs', () => {
    expect(rowFileName(7)).toBe('case-0007.json');
    expect(rowFileName(0)).toBe('case-0000.json');
    expect(rowFileName(12345)).toBe('case-12345.json');
  });
});

describe('saveFinishedCase and loadFinishedCases', () => {
  it('write each row in its own file and read them back by case number', () => {
    saveFinishedCase(rows, 'fp', row(2), 1.5);
    saveFinishedCase(rows, 'fp', row(0), 0.5);
    expect(readdirSync(rows).sort()).toEqual(['case-0000.json', 'case-0002.json']);
    expect(JSON.parse(readFileSync(join(rows, 'case-0002.json'), 'utf8'))).toEqual({ kind: 'balloonsim-sweep-row', fingerprint: 'fp', row: row(2), wallSeconds: 1.5 });
    const finished = loadFinishedCases(rows, 'fp', 4);
    expect([...finished.keys()].sort()).toEqual([0, 2]);
    expect(finished.get(2)).toEqual({ kind: 'balloonsim-sweep-row', fingerprint: 'fp', row: row(2), wallSeconds: 1.5 });
  });

  it('reads a directory that does not exist as nothing finished', () => {
    expect(loadFinishedCases(join(dir, 'none'), 'fp', 4).size).toBe(0);
  });

  it('counts damaged files, other names, rows filed under another number and cases past the grid as not finished', () => {
    mkdirSync(rows);
    writeFileSync(join(rows, 'case-0000.json'), '{"kind":"balloonsim-sweep-row","fing'); // cut short
    writeFileSync(join(rows, 'case-0001.json'), JSON.stringify({ kind: 'something-else', fingerprint: 'fp', row: row(1) }));
    writeFileSync(join(rows, 'case-0002.json'), JSON.stringify({ kind: 'balloonsim-sweep-row', fingerprint: 'fp', row: row(3), wallSeconds: 1 }));
    writeFileSync(join(rows, 'notes.json'), JSON.stringify({ kind: 'balloonsim-sweep-row', fingerprint: 'fp', row: row(3), wallSeconds: 1 }));
    writeFileSync(join(rows, 'case-12.json'), JSON.stringify({ kind: 'balloonsim-sweep-row', fingerprint: 'fp', row: row(12), wallSeconds: 1 }));
    saveFinishedCase(rows, 'fp', row(9), 1);
    saveFinishedCase(rows, 'fp', row(3), 1);
    expect([...loadFinishedCases(rows, 'fp', 4).keys()]).toEqual([3]);
  });

  it('counts a row damaged inside as not finished (its case runs again), instead of breaking the table after the sweep', () => {
    // Before, a resumed sweep took such rows over and died printing its table: "internal error: TypeError ... toFixed".
    mkdirSync(rows);
    const record = (r: unknown): string => JSON.stringify({ kind: 'balloonsim-sweep-row', fingerprint: 'fp', row: r, wallSeconds: 1 });
    writeFileSync(join(rows, 'case-0000.json'), record({ ...row(0), metrics: 'x' }));
    writeFileSync(join(rows, 'case-0001.json'), record({ ...row(1), label: null }));
    writeFileSync(join(rows, 'case-0002.json'), record({ ...row(2), metrics: { ...row(2).metrics, stallSeconds: 'slow' } }));
    saveFinishedCase(rows, 'fp', row(3), 1);
    expect([...loadFinishedCases(rows, 'fp', 4).keys()]).toEqual([3]);
  });

  it('refuses rows of another grid, naming both fingerprints and the way out', () => {
    saveFinishedCase(rows, 'old', row(0), 1);
    expect(() => loadFinishedCases(rows, 'new', 4)).toThrow(SweepResumeError);
    expect(() => loadFinishedCases(rows, 'new', 4)).toThrow(`${rows} holds finished cases of another sweep grid (fingerprint old, this grid's is new); give another --out directory, or add --restart to discard them`);
  });

  it('refuses rows made with another sample interval: their time means mixed with the resumed ones gave the table of no sweep', () => {
    // Seen: rows of --sample-every 1 resumed with --sample-every 60 gave residentBytesMean of both intervals in one table.
    saveFinishedCase(rows, 'g', row(0), 1, 1);
    expect(loadFinishedCases(rows, 'g', 4, 1).size).toBe(1);
    expect(() => loadFinishedCases(rows, 'g', 4, 60)).toThrow(SweepResumeError);
    expect(() => loadFinishedCases(rows, 'g', 4, 60)).toThrow(
      `${rows} holds finished cases made with a sample every 1 tick, and this sweep takes a sample every 60 ticks; give the same --sample-every (sampleEveryTicks) to resume, or add --restart to run every case again`,
    );
    expect(() => loadFinishedCases(rows, 'g', 4)).toThrow(/made with a sample every 1 tick, and this sweep takes the default sample interval/);
    saveFinishedCase(rows, 'g', row(0), 1);
    expect(loadFinishedCases(rows, 'g', 4).size).toBe(1);
    expect(() => loadFinishedCases(rows, 'g', 4, 5)).toThrow(/made with the default sample interval, and this sweep takes a sample every 5 ticks/);
  });

  it('deletes temporaries a killed sweep left behind', () => {
    mkdirSync(rows);
    // A temporary of a process that no longer exists (pid 2^22 + 1 is above Linux's pid limit).
    writeFileSync(join(rows, `.case-0001.json.tmp-${2 ** 22 + 1}-0-1`), 'partial');
    saveFinishedCase(rows, 'fp', row(0), 1);
    loadFinishedCases(rows, 'fp', 4);
    expect(readdirSync(rows)).toEqual(['case-0000.json']);
  });
});

describe('clearFinishedCases', () => {
  it('deletes the rows, and does not mind when there are none', () => {
    saveFinishedCase(rows, 'fp', row(0), 1);
    clearFinishedCases(rows);
    expect(loadFinishedCases(rows, 'fp', 4).size).toBe(0);
    expect(() => clearFinishedCases(rows)).not.toThrow();
  });
});
