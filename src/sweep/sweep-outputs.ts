/**
 * `sweep --out DIR` and `merge --out DIR`: the table as sweep.json (what
 * `merge` and `compare` read), sweep.csv and sweep.parquet; when the grid
 * repeats settings with several seeds, the seeds aggregated as
 * sweep-aggregate.csv and sweep-aggregate.parquet; and report.html, which
 * puts the cases (or settings) side by side. They are replaced as a whole
 * (see file-set.ts); sweep.json goes last.
 */
import { join } from 'node:path';
import { aggregateSeeds } from './aggregate.js';
import { checkSweepTable, sweepCsv, sweepJson, type SweepTable } from './table.js';
import { describeValue } from '../util/suggest.js';
import { writeFileAtomic } from '../output/atomic-file.js';
import { writeFileSet } from '../output/file-set.js';
import { writeParquet } from '../output/parquet.js';
import { sweepReportHtml } from './sweep-report.js';
import { aggregateCsv, aggregateParquetTable, sweepParquetTable } from './sweep-tables.js';

/** The files `writeSweepOutputs` writes, in order (the aggregate files only when the grid varies `seed`). */
export const SWEEP_OUTPUT_FILES = ['sweep.csv', 'sweep.parquet', 'sweep-aggregate.csv', 'sweep-aggregate.parquet', 'report.html', 'sweep.json'] as const;

/** Writes a sweep table's files into `dir` (created if needed), replacing the old ones as a whole (see file-set.ts). Returns the paths written. */
export async function writeSweepOutputs(dir: string, table: SweepTable): Promise<string[]> {
  // A dir that was not a string failed as an OutputError quoting Node ('The "paths[0]" argument must be of type string').
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`writeSweepOutputs: dir must be the path of a directory to write the files into, got ${describeValue(dir)}`);
  checkSweepTable(table, 'writeSweepOutputs');
  const groups = aggregateSeeds(table);
  const names = SWEEP_OUTPUT_FILES.filter((name) => groups !== null || !name.startsWith('sweep-aggregate'));
  // A grid without seeds has no aggregate: an old one in the same directory would mislead.
  const stale = groups === null ? ['sweep-aggregate.csv', 'sweep-aggregate.parquet'] : [];
  return writeFileSet(
    dir,
    names,
    async (staging) => {
      const path = (name: (typeof SWEEP_OUTPUT_FILES)[number]): string => join(staging, name);
      writeFileAtomic(path('sweep.csv'), sweepCsv(table));
      const parquet = [{ path: path('sweep.parquet'), table: sweepParquetTable(table) }];
      if (groups !== null) {
        writeFileAtomic(path('sweep-aggregate.csv'), aggregateCsv(table, groups));
        parquet.push({ path: path('sweep-aggregate.parquet'), table: aggregateParquetTable(table, groups) });
      }
      await writeParquet(parquet);
      writeFileAtomic(path('report.html'), sweepReportHtml(table, groups));
      writeFileAtomic(path('sweep.json'), sweepJson(table));
    },
    stale,
  );
}
