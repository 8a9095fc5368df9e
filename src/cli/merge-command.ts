import { existsSync, statSync } from 'node:fs';
import { cannotReadMessage, readTextBounded, TEXT_FILE_BYTES_MAX } from '../util/read-bounded.js';
import { prepareOutDir } from '../output/out-dir.js';
import { join } from 'node:path';
import { InputError } from '../output/input-error.js';
import { writeSweepOutputs } from '../sweep/sweep-outputs.js';
import { mergeSweepTables } from '../sweep/merge.js';
import { sweepJson, type SweepTable } from '../sweep/table.js';
import { coloursFor } from './colour.js';
import { formatSweepTable } from './sweep-command.js';

export interface MergeFlags {
  out?: string;
  json?: boolean;
  quiet?: boolean;
  allowMissing?: boolean;
}

/** What merge reads, for the hint of a file it cannot read. */
const MERGE_INPUTS = 'give the directory that sweep --out wrote, or its sweep.json';

/** Reads a sweep table from a sweep.json file or the directory holding it. */
export function readSweepTable(path: string): { table: SweepTable; file: string } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'sweep.json') : path;
  if (!existsSync(file)) throw new InputError(`${path}: ${file === path ? `no such file or directory; ${MERGE_INPUTS}` : 'the directory holds no sweep.json (write one with sweep --out DIR)'}`);
  let text: string;
  try {
    text = readTextBounded(file, TEXT_FILE_BYTES_MAX);
  } catch (error) {
    throw new InputError(cannotReadMessage(file, error, MERGE_INPUTS));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`${file} is not JSON`);
  }
  if ((value as Partial<SweepTable> | null)?.kind !== 'balloonsim-sweep') throw new InputError(`${file} is not a balloonsim sweep table (sweep.json)`);
  return { table: value as SweepTable, file };
}

/** `balloonsim merge SHARD...`: returns the exit code (1 if any merged case had failed). */
export async function mergeCommand(paths: string[], flags: MergeFlags): Promise<number> {
  const read = paths.map(readSweepTable);
  const merged = mergeSweepTables(
    read.map((r) => r.table),
    read.map((r) => r.file),
    { allowMissing: flags.allowMissing === true },
  );
  // After the tables are found good: a refused merge leaves no new folder behind.
  if (flags.out !== undefined) prepareOutDir(flags.out, '--out', 'sweep');
  if (flags.json) process.stdout.write(sweepJson(merged));
  else if (!flags.quiet) process.stdout.write(`${formatSweepTable(merged, coloursFor(process.stdout))}\n`);
  if (flags.out !== undefined) {
    if (existsSync(flags.out) && !statSync(flags.out).isDirectory()) throw new InputError(`--out ${flags.out} is a file; give a directory (it is created if needed)`);
    const written = await writeSweepOutputs(flags.out, merged);
    if (!flags.quiet) {
      const names = written.map((path) => path.slice(path.lastIndexOf('/') + 1)).join(', ');
      const line = `wrote ${flags.out}: ${names} (${read.length} tables, ${merged.rows.length} of ${merged.casesTotal} cases)`;
      if (flags.json) process.stderr.write(`balloonsim: ${line}\n`);
      else process.stdout.write(`${line}\n`);
    }
  }
  return merged.rows.some((row) => row.status === 'failed') ? 1 : 0;
}
