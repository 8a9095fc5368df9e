import { availableParallelism } from 'node:os';
import { writeSweepOutputs } from '../output/sweep-outputs.js';
import { loadGridFile } from '../sweep/grid.js';
import { formatShard, parseShard, type Shard } from '../sweep/shard.js';
import { SWEEP_CONCURRENCY_MAX, sweep } from '../sweep/sweep.js';
import { sweepJson, type SweepTable } from '../sweep/table.js';
import { formatBytesApprox } from '../scenario/units.js';
import { coloursFor, type Colours } from './colour.js';
import { integerFlag } from './options.js';
import { startProgress } from './progress.js';
import { formatTable } from './summary-table.js';
import { UsageError } from './usage-error.js';
import { prepareOutDir } from '../output/out-dir.js';

export interface SweepFlags {
  shard?: string;
  concurrency?: string;
  out?: string;
  caseOutputs?: boolean;
  sampleEvery?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The readable table of a sweep: one line per case. */
export function formatSweepTable(table: SweepTable, colours: Colours): string {
  const header = ['case', 'label', 'status', 'saved (mean)', 'host free (min)', 'major faults', 'stall s', 'oom kills', 'violations'];
  const rows = table.rows.map((row) => {
    const m = row.metrics;
    return [
      String(row.case),
      row.label,
      row.status,
      m === null ? '-' : formatBytesApprox(m.savedBytesMean),
      m === null ? '-' : formatBytesApprox(m.hostFreeBytesMin),
      m === null ? '-' : String(m.majorFaults),
      m === null ? '-' : m.stallSeconds.toFixed(1),
      m === null ? '-' : String(m.oomKills),
      m === null ? '-' : String(m.auditViolations),
    ];
  });
  const lines = formatTable(header, rows).split('\n');
  const failed = table.rows.filter((row) => row.status === 'failed');
  const part = table.shard === null ? `${table.casesTotal} cases` : `shard ${formatShard(table.shard)}: ${table.rows.length} of ${table.casesTotal} cases`;
  const wall = table.timing.reduce((sum, t) => sum + t.wallSeconds, 0);
  const out = [
    `balloonsim sweep ${table.name}: ${part} in ${wall.toFixed(2)} s on ${table.timing[0]?.concurrency ?? 1} thread${table.timing[0]?.concurrency === 1 ? '' : 's'}`,
    '',
    colours.bold(lines[0]!),
    ...lines.slice(1),
  ];
  if (failed.length > 0) {
    out.push('', colours.red(`${failed.length} case${failed.length === 1 ? '' : 's'} failed:`));
    for (const row of failed) out.push(colours.red(`  case ${row.case} (${row.label}): ${row.error?.code}: ${row.error?.message}`));
  }
  return out.join('\n');
}

function shardFlag(text: string | undefined): Shard | null {
  if (text === undefined) return null;
  const shard = parseShard(text);
  if (typeof shard === 'string') throw new UsageError(`--shard: ${shard}`);
  return shard;
}

/** `balloonsim sweep GRID`: returns the exit code (1 if any case failed). */
export async function sweepCommand(file: string, flags: SweepFlags): Promise<number> {
  const shard = shardFlag(flags.shard);
  const concurrency = flags.concurrency !== undefined ? integerFlag('--concurrency', flags.concurrency, 1) : availableParallelism();
  if (concurrency > SWEEP_CONCURRENCY_MAX) throw new UsageError(`--concurrency takes at most ${SWEEP_CONCURRENCY_MAX}, got ${concurrency}`);
  if (flags.caseOutputs === true && flags.out === undefined) throw new UsageError('--case-outputs writes into the --out directory; add --out DIR');
  const sampleEvery = flags.sampleEvery !== undefined ? integerFlag('--sample-every', flags.sampleEvery, 1) : undefined;
  const grid = loadGridFile(file);
  if (flags.out !== undefined) prepareOutDir(flags.out);
  const progress = flags.quiet ? null : startProgress(`sweeping ${grid.name}${shard === null ? '' : ` ${formatShard(shard)}`}`, { unit: 'cases' });
  let table: SweepTable;
  try {
    table = await sweep(grid, {
      concurrency,
      shard,
      ...(sampleEvery !== undefined ? { sampleEveryTicks: sampleEvery } : {}),
      ...(flags.caseOutputs === true && flags.out !== undefined ? { caseOutputsDir: flags.out } : {}),
      ...(progress !== null ? { onCaseDone: (_row, done, total) => progress.update(done, total) } : {}),
    });
  } finally {
    progress?.done();
  }
  if (flags.json) process.stdout.write(sweepJson(table));
  else if (!flags.quiet) process.stdout.write(`${formatSweepTable(table, coloursFor(process.stdout))}\n`);
  if (flags.out !== undefined) {
    writeSweepOutputs(flags.out, table);
    if (!flags.quiet) {
      const line = `wrote ${flags.out}: sweep.json, sweep.csv, report.html${flags.caseOutputs === true ? ', case-NNNN/' : ''}`;
      if (flags.json) process.stderr.write(`balloonsim: ${line}\n`);
      else process.stdout.write(`${line}\n`);
    }
  }
  return table.rows.some((row) => row.status === 'failed') ? 1 : 0;
}
