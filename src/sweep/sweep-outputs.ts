/**
 * `sweep --out DIR` and `merge --out DIR`: the table as sweep.json (what
 * `merge` and `compare` read), sweep.csv and sweep.parquet; when the grid
 * repeats settings with several seeds, the seeds aggregated as
 * sweep-aggregate.csv and sweep-aggregate.parquet; and report.html, which
 * puts the cases (or settings) side by side. Every file is written to a
 * temporary name and renamed when complete; sweep.json goes last.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { aggregateSeeds } from './aggregate.js';
import { sweepCsv, sweepJson, type SweepTable } from './table.js';
import { removeStaleTemporaries, writeFileAtomic } from '../output/atomic-file.js';
import { writeParquet } from '../output/parquet.js';
import { sweepReportHtml } from './sweep-report.js';
import { aggregateCsv, aggregateParquetTable, sweepParquetTable } from './sweep-tables.js';
import { makeDirectories } from '../output/make-directories.js';

/** The files `writeSweepOutputs` writes, in order (the aggregate files only when the grid varies `seed`). */
export const SWEEP_OUTPUT_FILES = ['sweep.csv', 'sweep.parquet', 'sweep-aggregate.csv', 'sweep-aggregate.parquet', 'report.html', 'sweep.json'] as const;

/** Writes a sweep table's files into `dir` (created if needed). Returns the paths written. */
export async function writeSweepOutputs(dir: string, table: SweepTable): Promise<string[]> {
  makeDirectories(dir);
  removeStaleTemporaries(dir);
  const groups = aggregateSeeds(table);
  const path = (name: (typeof SWEEP_OUTPUT_FILES)[number]): string => join(dir, name);
  writeFileAtomic(path('sweep.csv'), sweepCsv(table));
  const parquet = [{ path: path('sweep.parquet'), table: sweepParquetTable(table) }];
  if (groups !== null) {
    writeFileAtomic(path('sweep-aggregate.csv'), aggregateCsv(table, groups));
    parquet.push({ path: path('sweep-aggregate.parquet'), table: aggregateParquetTable(table, groups) });
  } else {
    // A grid without seeds has no aggregate: an old one in the same directory would mislead.
    rmSync(path('sweep-aggregate.csv'), { force: true });
    rmSync(path('sweep-aggregate.parquet'), { force: true });
  }
  await writeParquet(parquet);
  writeFileAtomic(path('report.html'), sweepReportHtml(table, groups));
  writeFileAtomic(path('sweep.json'), sweepJson(table));
  return SWEEP_OUTPUT_FILES.filter((name) => groups !== null || !name.startsWith('sweep-aggregate')).map(path);
}
