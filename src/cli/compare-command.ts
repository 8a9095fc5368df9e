import { prepareOutDir } from '../output/out-dir.js';
import { join } from 'node:path';
import { compareCsv, compareHtml, compareTable, loadCompareRuns } from '../sweep/compare.js';
import { writeFileAtomic } from '../output/atomic-file.js';
import { InputError } from '../output/input-error.js';
import { coloursFor } from './colour.js';
import { formatTable } from './summary-table.js';
import { writeFileSet } from '../output/file-set.js';

export interface CompareFlags {
  out?: string;
  title?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `balloonsim compare RUN...`: returns the exit code. */
export async function compareCommand(paths: string[], flags: CompareFlags): Promise<number> {
  const runs = loadCompareRuns(paths);
  if (runs.length < 2) throw new InputError(`compare puts two or more runs side by side; ${paths.join(', ')} gave ${runs.length}`);
  if (flags.out !== undefined) prepareOutDir(flags.out);
  if (flags.json) process.stdout.write(`${JSON.stringify(runs.map((run) => ({ label: run.label, source: run.source, metrics: run.metrics })), null, 2)}\n`);
  else if (!flags.quiet) {
    const { header, rows } = compareTable(runs);
    const lines = formatTable(header, rows).split('\n');
    const colours = coloursFor(process.stdout);
    process.stdout.write(`${[colours.bold(lines[0]!), ...lines.slice(1)].join('\n')}\n`);
  }
  if (flags.out !== undefined) {
    await writeFileSet(flags.out, ['compare.html', 'compare.csv', 'compare.json'], (staging) => {
      writeFileAtomic(join(staging, 'compare.html'), compareHtml(runs, flags.title));
      writeFileAtomic(join(staging, 'compare.csv'), compareCsv(runs));
      writeFileAtomic(join(staging, 'compare.json'), `${JSON.stringify(runs.map((run) => ({ label: run.label, source: run.source, metrics: run.metrics })), null, 2)}\n`);
    });
    if (!flags.quiet) {
      const line = `wrote ${flags.out}: compare.html, compare.csv, compare.json`;
      if (flags.json) process.stderr.write(`balloonsim: ${line}\n`);
      else process.stdout.write(`${line}\n`);
    }
  }
  return 0;
}
