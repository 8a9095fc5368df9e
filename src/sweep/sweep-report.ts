/**
 * A sweep's report.html: its cases side by side as `compare` draws runs,
 * with each case's status (what the guard refused, warnings, failures).
 * When the grid repeats settings with several seeds, the plots and the main
 * table show each setting once, as the mean over its seeds with a 95 %
 * interval, and a second table lists the cases one by one.
 */
import type { SeedGroup } from './aggregate.js';
import { formatShard } from './shard.js';
import type { SweepRow, SweepTable } from './table.js';
import { compareReportHtml, metricText, metricValueText, type CompareReportData, type CompareReportRun } from './compare.js';
import { METRIC_COLUMNS, type RunMetrics } from '../output/run-metrics.js';

/** A row's status as the tables show it: `refused: idle at 2m: ...`. */
export function statusText(row: Pick<SweepRow, 'status' | 'refused' | 'warnings' | 'error'>): string {
  switch (row.status) {
    case 'failed':
      return row.error === null ? 'failed' : `failed: ${row.error.code}`;
    case 'refused':
      return `refused (${row.refused.length})`;
    case 'warning':
      return `warning (${row.warnings.length})`;
    default:
      return 'ok';
  }
}

function casesTable(table: SweepTable): { header: string[]; rows: string[][] } {
  const measured = table.rows.filter((row) => row.metrics !== null);
  return {
    header: ['case', 'status', ...METRIC_COLUMNS.map((c) => c.title), 'refused or warned'],
    rows: measured.map((row) => [
      `${row.case}: ${row.label}`,
      statusText(row),
      ...METRIC_COLUMNS.map((c) => metricText(c, row.metrics!)),
      [...row.refused, ...row.warnings].join('; '),
    ]),
  };
}

/** `12.3 GiB ± 0.4 GiB`: a mean and the half-width of its interval. */
function meanText(column: (typeof METRIC_COLUMNS)[number], group: SeedGroup): string {
  const mean = group.mean![column.key];
  const interval = group.ci95?.[column.key];
  const text = metricValueText(column.unit, mean);
  if (interval === undefined) return text;
  const half = (interval[1] - interval[0]) / 2;
  return half === 0 ? text : `${text} ± ${metricValueText(column.unit, half)}`;
}

/** A setting as a point of the plots: the means, shaped as a run's metrics. */
function groupRun(group: SeedGroup, rows: ReadonlyArray<SweepRow>): CompareReportRun {
  const first = rows.find((row) => group.cases.includes(row.case) && row.metrics !== null)?.metrics;
  const metrics = { ...(first as RunMetrics), ...group.mean! } as RunMetrics;
  return { label: group.label, metrics, status: group.status, n: group.n, ...(group.ci95 !== null ? { ci95: group.ci95 } : {}) };
}

function notesOf(table: SweepTable): string[] {
  const notes: string[] = [];
  const refused = table.rows.filter((row) => row.status === 'refused');
  if (refused.length > 0) {
    notes.push(
      `The over-shrink guard refused a target in ${refused.length} case${refused.length === 1 ? '' : 's'} (${refused.map((r) => r.case).join(', ')}): ` +
        'those cases ran without the target they set, so their figures do not show it. First refusal: ' +
        refused[0]!.refused[0],
    );
  }
  const warned = table.rows.filter((row) => row.warnings.length > 0);
  if (warned.length > 0) notes.push(`${warned.length} case${warned.length === 1 ? '' : 's'} set a target that looks like a unit mistake; see the table.`);
  const failed = table.rows.filter((row) => row.status === 'failed');
  if (failed.length > 0) notes.push(`${failed.length} case${failed.length === 1 ? '' : 's'} failed: ${failed.map((r) => `${r.case} (${r.error?.code ?? 'failed'})`).join(', ')}.`);
  return notes;
}

/** The data of a sweep's report page. */
export function sweepReportData(table: SweepTable, groups: ReadonlyArray<SeedGroup> | null): CompareReportData {
  const part = table.shard === null ? '' : ` (shard ${formatShard(table.shard)})`;
  const title = `balloonsim sweep: ${table.name}${part}`;
  const cases = casesTable(table);
  const measuredGroups = groups?.filter((group) => group.mean !== null) ?? null;
  if (measuredGroups === null) {
    return {
      kind: 'compare',
      title,
      subtitle: `${table.rows.length} of ${table.casesTotal} cases: memory saved by overcommit (guests' boot memory minus the host memory they held, averaged over time) against what it cost the guests.`,
      notes: notesOf(table),
      runs: table.rows.filter((row) => row.metrics !== null).map((row) => ({ label: row.label, metrics: row.metrics!, status: row.status })),
      table: cases,
      series: [],
    };
  }
  return {
    kind: 'compare',
    title,
    subtitle:
      `${table.rows.length} of ${table.casesTotal} cases in ${measuredGroups.length} settings, each run with several seeds: ` +
      'each point is a setting\'s mean over its seeds, with its 95 % interval; memory saved (guests\' boot memory minus the host memory they held, averaged over time) against what it cost the guests.',
    notes: notesOf(table),
    runs: measuredGroups.map((group) => groupRun(group, table.rows)),
    table: {
      header: ['setting', 'seeds', 'status', ...METRIC_COLUMNS.map((c) => `${c.title} (mean ± 95 %)`)],
      rows: measuredGroups.map((group) => [group.label, String(group.n), group.status, ...METRIC_COLUMNS.map((c) => meanText(c, group))]),
    },
    moreTables: [{ title: 'Cases', explain: 'Every case of the sweep, seed by seed.', header: cases.header, rows: cases.rows }],
    series: [],
  };
}

/** A sweep's report page, as HTML text. */
export function sweepReportHtml(table: SweepTable, groups: ReadonlyArray<SeedGroup> | null): string {
  return compareReportHtml(sweepReportData(table, groups));
}
