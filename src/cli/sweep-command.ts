import { existsSync } from 'node:fs';
import { readTextBounded, TEXT_FILE_BYTES_MAX } from '../util/read-bounded.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemporaries } from '../output/atomic-file.js';
import { writeSweepOutputs } from '../sweep/sweep-outputs.js';
import { statusText } from '../sweep/sweep-report.js';
import { aggregateSeeds, type SeedGroup } from '../sweep/aggregate.js';
import { loadGridFile, type SweepGrid } from '../sweep/grid.js';
import { clearFinishedCases, ROWS_DIR, SweepResumeError } from '../sweep/progress.js';
import { formatShard, parseShard, type Shard } from '../sweep/shard.js';
import { planSweep, SWEEP_CONCURRENCY_MAX, sweep } from '../sweep/sweep.js';
import { sweepJson, type SweepTable } from '../sweep/table.js';
import { formatBytesApprox, formatDuration } from '../model/units.js';
import { coloursFor, type Colours } from './colour.js';
import { integerFlag } from './options.js';
import { startProgress } from './progress.js';
import { checkSweepCases } from './sweep-preflight.js';
import { formatTable } from './summary-table.js';
import { UsageError } from './usage-error.js';
import { prepareOutDir } from '../output/out-dir.js';

export interface SweepFlags {
  shard?: string;
  concurrency?: string;
  out?: string;
  caseOutputs?: boolean;
  sampleEvery?: string;
  dryRun?: boolean;
  restart?: boolean;
  json?: boolean;
  quiet?: boolean;
}

const count = (value: number): string => Math.round(value).toLocaleString('en-US');

/** The readable table of a sweep: one line per case, then one per setting when seeds repeat settings. */
export function formatSweepTable(table: SweepTable, colours: Colours): string {
  const header = ['case', 'label', 'status', 'saved (mean)', 'host free (min)', 'major faults', 'stall s', 'oom kills', 'violations'];
  const rows = table.rows.map((row) => {
    const m = row.metrics;
    return [
      String(row.case),
      row.label,
      statusText(row),
      m === null ? '-' : formatBytesApprox(m.savedBytesMean),
      m === null ? '-' : formatBytesApprox(m.hostFreeBytesMin),
      m === null ? '-' : count(m.majorFaults),
      m === null ? '-' : m.stallSeconds.toFixed(1),
      m === null ? '-' : count(m.oomKills),
      m === null ? '-' : count(m.auditViolations),
    ];
  });
  const lines = formatTable(header, rows, [1, 2]).split('\n');
  const part = table.shard === null ? `${table.casesTotal} cases` : `shard ${formatShard(table.shard)}: ${table.rows.length} of ${table.casesTotal} cases`;
  const wall = table.timing.reduce((sum, t) => sum + t.wallSeconds, 0);
  const resumed = table.timing.reduce((sum, t) => sum + (t.resumedCases ?? 0), 0);
  const out = [
    `balloonsim sweep ${table.name}: ${part} in ${wall.toFixed(2)} s on ${table.timing[0]?.concurrency ?? 1} thread${table.timing[0]?.concurrency === 1 ? '' : 's'}` +
      (resumed > 0 ? ` (${resumed} finished before and taken over)` : ''),
    '',
    colours.bold(lines[0]!),
    ...lines.slice(1),
  ];
  const groups = aggregateSeeds(table);
  if (groups !== null) out.push('', ...formatGroups(groups, colours));
  const noted = table.rows.filter((row) => row.status !== 'ok');
  for (const status of ['refused', 'warning', 'failed'] as const) {
    const these = noted.filter((row) => row.status === status);
    if (these.length === 0) continue;
    const paint = status === 'warning' ? colours.yellow : colours.red;
    const what = { refused: 'the over-shrink guard refused a target of', warning: 'warnings in', failed: 'failed:' }[status];
    out.push('', paint(`${status === 'failed' ? `${these.length} case${these.length === 1 ? '' : 's'} failed` : `${what} ${these.length} case${these.length === 1 ? '' : 's'}`}:`));
    for (const row of these) {
      const detail = status === 'failed' ? [`${row.error?.code}: ${row.error?.message}`] : status === 'refused' ? row.refused : row.warnings;
      out.push(paint(`  case ${row.case} (${row.label}): ${detail[0] ?? ''}`), ...detail.slice(1).map((line) => paint(`    ${line}`)));
    }
  }
  return out.join('\n');
}

/** `12.3 GiB ± 0.4 GiB`. */
function withInterval(mean: number, interval: [number, number] | undefined, text: (value: number) => string): string {
  if (interval === undefined) return text(mean);
  const half = (interval[1] - interval[0]) / 2;
  return half === 0 ? text(mean) : `${text(mean)} ± ${text(half)}`;
}

/** The settings, each the mean of its seeds with a 95 % interval. */
function formatGroups(groups: ReadonlyArray<SeedGroup>, colours: Colours): string[] {
  const header = ['setting', 'seeds', 'status', 'saved (mean)', 'host free (min)', 'major faults', 'stall s', 'oom kills'];
  const rows = groups.map((group) => {
    const m = group.mean;
    const ci = group.ci95;
    if (m === null) return [group.label, '0', group.status, '-', '-', '-', '-', '-'];
    return [
      group.label,
      String(group.n),
      group.status,
      withInterval(m.savedBytesMean, ci?.savedBytesMean, formatBytesApprox),
      withInterval(m.hostFreeBytesMin, ci?.hostFreeBytesMin, formatBytesApprox),
      withInterval(m.majorFaults, ci?.majorFaults, count),
      withInterval(m.stallSeconds, ci?.stallSeconds, (v) => v.toFixed(1)),
      withInterval(m.oomKills, ci?.oomKills, (v) => (Number.isInteger(v) ? count(v) : v.toFixed(1))),
    ];
  });
  const lines = formatTable(header, rows, [2]).split('\n');
  return ['seeds aggregated: the mean of each setting over its seeds, ± the half-width of its 95 % interval', '', colours.bold(lines[0]!), ...lines.slice(1)];
}

function shardFlag(text: string | undefined): Shard | null {
  if (text === undefined) return null;
  const shard = parseShard(text);
  if (typeof shard === 'string') throw new UsageError(`--shard: ${shard}`);
  return shard;
}

/** The fingerprint of the sweep.json already in `out`, if there is one. */
function existingFingerprint(out: string): string | null {
  try {
    const value = JSON.parse(readTextBounded(join(out, 'sweep.json'), TEXT_FILE_BYTES_MAX)) as { kind?: unknown; fingerprint?: unknown };
    return value.kind === 'balloonsim-sweep' && typeof value.fingerprint === 'string' ? value.fingerprint : null;
  } catch {
    return null;
  }
}

/** After prepareOutDir (a folder that can be written): not another grid's results unless --restart. */
function prepareOut(out: string, grid: SweepGrid, restart: boolean): string {
  const rowsDir = join(out, ROWS_DIR);
  if (restart) {
    clearFinishedCases(rowsDir);
    return rowsDir;
  }
  const previous = existingFingerprint(out);
  if (previous !== null && previous !== grid.fingerprint) {
    throw new SweepResumeError(`${out} holds the results of another sweep grid (fingerprint ${previous}, this grid's is ${grid.fingerprint}); give another --out directory, or add --restart to replace them`);
  }
  removeStaleTemporaries(out);
  return rowsDir;
}

/** `sweep --dry-run`: the cases that would run, and which a resume would skip. */
function printPlan(grid: SweepGrid, shard: Shard | null, rowsDir: string | undefined, json: boolean, sampleEvery: number | undefined): number {
  const plan = planSweep(grid, { shard, ...(rowsDir !== undefined ? { rowsDir } : {}), ...(sampleEvery !== undefined ? { sampleEveryTicks: sampleEvery } : {}) });
  const cases = plan.cases.map(({ case: c, finished }) => ({
    case: c.index,
    label: c.label,
    base: c.base,
    parameters: c.parameters,
    guests: c.scenario.guests.length,
    durationSeconds: c.scenario.durationMs / 1000,
    seed: c.scenario.seed,
    finished,
  }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ name: grid.name, fingerprint: grid.fingerprint, casesTotal: grid.cases.length, shard, cases }, null, 2)}\n`);
    return 0;
  }
  const finished = cases.filter((c) => c.finished).length;
  const part = shard === null ? '' : `, shard ${formatShard(shard)}: ${cases.length} of them`;
  const rows = cases.map((c) => [String(c.case), c.label, String(c.guests), formatDuration(c.durationSeconds * 1000), String(c.seed), c.finished ? 'finished' : 'to run']);
  const columns = ['case', 'label', 'guests', 'duration', 'seed', 'state'];
  process.stdout.write(
    `balloonsim sweep ${grid.name} (dry run): ${grid.cases.length} cases${part}` +
      (rowsDir !== undefined ? `; ${finished} finished before, ${cases.length - finished} to run` : '') +
      '\n\n' +
      `${formatTable(columns, rows, [1, 5])}\n`,
  );
  return 0;
}

/** `balloonsim sweep GRID`: returns the exit code (1 if any case failed). */
export async function sweepCommand(file: string, flags: SweepFlags): Promise<number> {
  const shard = shardFlag(flags.shard);
  const concurrencyGiven = flags.concurrency !== undefined;
  const concurrency = flags.concurrency !== undefined ? integerFlag('--concurrency', flags.concurrency, 1) : availableParallelism();
  if (concurrency > SWEEP_CONCURRENCY_MAX) throw new UsageError(`--concurrency takes at most ${SWEEP_CONCURRENCY_MAX}, got ${concurrency}`);
  if (flags.caseOutputs === true && flags.out === undefined) throw new UsageError('--case-outputs writes into the --out directory; add --out DIR');
  if (flags.restart === true && flags.out === undefined) throw new UsageError('--restart discards the finished cases kept in the --out directory; add --out DIR');
  if (flags.restart === true && flags.dryRun === true) throw new UsageError('--dry-run changes nothing; drop --restart to see what a resume would run, or --dry-run to start over');
  const sampleEvery = flags.sampleEvery !== undefined ? integerFlag('--sample-every', flags.sampleEvery, 1) : undefined;
  const grid = loadGridFile(file);
  if (flags.dryRun === true) {
    const rowsDir = flags.out !== undefined && existsSync(join(flags.out, ROWS_DIR)) ? join(flags.out, ROWS_DIR) : undefined;
    checkSweepCases(planSweep(grid, { shard, ...(rowsDir !== undefined ? { rowsDir } : {}), ...(sampleEvery !== undefined ? { sampleEveryTicks: sampleEvery } : {}) }).cases, { sampleEvery, concurrency, concurrencyGiven, quiet: flags.quiet === true });
    return printPlan(grid, shard, rowsDir, flags.json === true, sampleEvery);
  }
  if (flags.out !== undefined) prepareOutDir(flags.out, '--out', 'sweep');
  const rowsDir = flags.out !== undefined ? prepareOut(flags.out, grid, flags.restart === true) : undefined;
  const plan = planSweep(grid, { shard, ...(rowsDir !== undefined ? { rowsDir } : {}), ...(sampleEvery !== undefined ? { sampleEveryTicks: sampleEvery } : {}) });
  const finished = plan.cases.filter((c) => c.finished).length;
  if (!flags.quiet && finished > 0) process.stderr.write(`balloonsim: resuming ${grid.name}: ${finished} of ${plan.cases.length} cases finished before and are not run again (--restart runs them all)\n`);
  const atOnce = checkSweepCases(plan.cases, { sampleEvery, concurrency, concurrencyGiven, quiet: flags.quiet === true });
  const progress = flags.quiet ? null : startProgress(`sweeping ${grid.name}${shard === null ? '' : ` ${formatShard(shard)}`}`, { unit: 'cases' });
  let table: SweepTable;
  try {
    table = await sweep(grid, {
      concurrency: atOnce,
      shard,
      ...(sampleEvery !== undefined ? { sampleEveryTicks: sampleEvery } : {}),
      ...(flags.caseOutputs === true && flags.out !== undefined ? { caseOutputsDir: flags.out } : {}),
      ...(rowsDir !== undefined ? { rowsDir } : {}),
      ...(progress !== null ? { onCaseDone: (_row, done, total) => progress.update(done, total) } : {}),
    });
  } finally {
    progress?.done();
  }
  if (flags.json) process.stdout.write(sweepJson(table));
  else if (!flags.quiet) process.stdout.write(`${formatSweepTable(table, coloursFor(process.stdout))}\n`);
  if (flags.out !== undefined) {
    const written = await writeSweepOutputs(flags.out, table);
    if (!flags.quiet) {
      const names = written.map((path) => path.slice(path.lastIndexOf('/') + 1)).join(', ');
      const line = `wrote ${flags.out}: ${names}, ${ROWS_DIR}/${flags.caseOutputs === true ? ', case-NNNN/' : ''}`;
      if (flags.json) process.stderr.write(`balloonsim: ${line}\n`);
      else process.stdout.write(`${line}\n`);
    }
  }
  return table.rows.some((row) => row.status === 'failed') ? 1 : 0;
}
