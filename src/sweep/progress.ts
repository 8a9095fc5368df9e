/**
 * A sweep's progress on disk, so that an interrupted sweep resumes where it
 * stopped: each finished case's row is written, crash-safe (temporary name,
 * then rename), to `DIR/rows/case-NNNN.json` as soon as the case ends. A
 * resumed sweep reads them back and runs only the cases that have none.
 * One file per case, named by its number, so that a case can be neither
 * counted twice nor lost, however the sweep was stopped.
 */
import { readdirSync, rmSync } from 'node:fs';
import { readTextBounded } from '../util/read-bounded.js';
import { join } from 'node:path';
import { removeStaleTemporaries, writeFileAtomic } from '../output/atomic-file.js';
import type { SweepRow } from './table.js';
import { sweepRowProblem } from './output-shapes.js';
import { makeDirectories } from '../output/make-directories.js';

/** The folder of finished rows inside a sweep's `--out` directory. */
export const ROWS_DIR = 'rows';

/** What one row file holds. */
export interface FinishedCase {
  kind: 'balloonsim-sweep-row';
  /** The grid's fingerprint: rows of another grid are not mixed in. */
  fingerprint: string;
  row: SweepRow;
  /** How long the case took (not deterministic, kept for the table's timing). */
  wallSeconds: number;
  /**
   * The sample interval the sweep was given (null or absent: the default). The time means depend on it, so rows of
   * another interval are not mixed in: a resumed table would be the one of no sweep.
   */
  sampleEveryTicks?: number | null;
}

/** The out directory holds rows of another grid: the sweep neither mixes them in nor deletes them by itself. The CLI exits with 2. */
export class SweepResumeError extends Error {
  override name = 'SweepResumeError';
}

/** `case-0007.json`. */
export function rowFileName(caseIndex: number): string {
  return `case-${String(caseIndex).padStart(4, '0')}.json`;
}

const ROW_FILE = /^case-(\d{4,})\.json$/;

/** A row file is a few KiB; one larger than this is not one (it counts as not finished). */
const ROW_FILE_BYTES_MAX = 16 * 2 ** 20;

/** Writes a finished case's row (crash-safe). */
export function saveFinishedCase(rowsDir: string, fingerprint: string, row: SweepRow, wallSeconds: number, sampleEveryTicks?: number): void {
  makeDirectories(rowsDir);
  const record: FinishedCase = { kind: 'balloonsim-sweep-row', fingerprint, row, wallSeconds, ...(sampleEveryTicks !== undefined ? { sampleEveryTicks } : {}) };
  writeFileAtomic(join(rowsDir, rowFileName(row.case)), `${JSON.stringify(record)}\n`);
}

function parseRecord(text: string): FinishedCase | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const record = value as Partial<FinishedCase> | null;
  if (record?.kind !== 'balloonsim-sweep-row' || typeof record.fingerprint !== 'string' || typeof record.row?.case !== 'number') return null;
  return record as FinishedCase;
}

/** `a sample every 60 ticks` or `the default sample interval`, for messages. */
function intervalText(sampleEveryTicks: number | null | undefined): string {
  return sampleEveryTicks === null || sampleEveryTicks === undefined ? 'the default sample interval' : `a sample every ${sampleEveryTicks} tick${sampleEveryTicks === 1 ? '' : 's'}`;
}

/**
 * The cases already finished in `rowsDir`, by case number (an empty map for
 * a directory that does not exist). Temporary files left by a killed sweep
 * are deleted; a file that cannot be read as a row counts as not finished.
 *
 * @param sampleEveryTicks the sweep's sample interval (undefined: the default)
 * @throws SweepResumeError when a row comes from another grid, or was made with another sample interval
 */
export function loadFinishedCases(rowsDir: string, fingerprint: string, casesTotal: number, sampleEveryTicks?: number): Map<number, FinishedCase> {
  const finished = new Map<number, FinishedCase>();
  let names: string[];
  try {
    names = readdirSync(rowsDir);
  } catch {
    return finished;
  }
  removeStaleTemporaries(rowsDir);
  for (const name of names) {
    const found = ROW_FILE.exec(name);
    if (found === null) continue;
    let text: string;
    try {
      text = readTextBounded(join(rowsDir, name), ROW_FILE_BYTES_MAX);
    } catch {
      continue;
    }
    const record = parseRecord(text);
    if (record === null) continue;
    if (record.fingerprint !== fingerprint) {
      throw new SweepResumeError(
        `${rowsDir} holds finished cases of another sweep grid (fingerprint ${record.fingerprint}, this grid's is ${fingerprint}); ` +
          'give another --out directory, or add --restart to discard them',
      );
    }
    if ((record.sampleEveryTicks ?? null) !== (sampleEveryTicks ?? null)) {
      // Resumed with another --sample-every, the table mixed time means of two intervals (the table of no sweep).
      throw new SweepResumeError(
        `${rowsDir} holds finished cases made with ${intervalText(record.sampleEveryTicks)}, and this sweep takes ${intervalText(sampleEveryTicks)}; ` +
          'give the same --sample-every (sampleEveryTicks) to resume, or add --restart to run every case again',
      );
    }
    const caseIndex = Number(found[1]);
    if (record.row.case !== caseIndex || caseIndex >= casesTotal) continue;
    // A row damaged inside (metrics not figures, a label lost) would break the table after the sweep: the case runs again.
    if (sweepRowProblem(record.row) !== null) continue;
    finished.set(caseIndex, record);
  }
  return finished;
}

/** Deletes the finished rows (a sweep started again from scratch). */
export function clearFinishedCases(rowsDir: string): void {
  rmSync(rowsDir, { recursive: true, force: true });
}
