/**
 * The result of a sweep: one row per case, in case order. Everything but
 * `timing` depends only on the grid, so a sweep run in shards and merged
 * gives the same table, and the same CSV byte for byte, as one run whole.
 */
import { formatCsvNumber } from '../output/timeseries-csv.js';
import type { RunMetrics } from '../output/run-metrics.js';
import { describeValue } from '../util/suggest.js';
import type { Shard } from './shard.js';

/**
 * Bumped when a field changes meaning or disappears. Version 2 added the
 * statuses `refused` and `warning`, `refused`, `warnings` and `base`;
 * tables of version 1 are still read (see `upgradeSweepTable`).
 */
export const SWEEP_TABLE_SCHEMA_VERSION = 2;

/**
 * What became of a case, worst first: `failed` (it did not run, or an
 * invariant broke), `refused` (the over-shrink guard refused a target the
 * case sets, so the case did not test what it says), `warning` (a target
 * looked like a unit mistake), `ok`.
 */
export type SweepStatus = 'ok' | 'warning' | 'refused' | 'failed';

/** Statuses from worst to best. */
export const SWEEP_STATUSES: ReadonlyArray<SweepStatus> = ['failed', 'refused', 'warning', 'ok'];

/** One case's result. */
export interface SweepRow {
  case: number;
  label: string;
  /** The base scenario's name (several bases: the first word of the label). */
  base: string;
  parameters: Record<string, unknown>;
  status: SweepStatus;
  /** What the over-shrink guard refused (`idle at 2m: ...`), in time order. */
  refused: string[];
  /** Warnings of the run: targets that look like unit mistakes. */
  warnings: string[];
  /** Why the case failed (status `failed`): a stable code and a message. */
  error: { code: string; message: string } | null;
  metrics: RunMetrics | null;
}

/** Wall-clock figures: differ from run to run, and are left out of comparisons. */
export interface SweepTiming {
  wallSeconds: number;
  concurrency: number;
  /** Seconds each case took, by case number (as recorded when it ran, for cases taken over by a resume). */
  caseSeconds: Record<string, number>;
  /** The balloonsim and Node that ran these cases (each case's seed is in its metrics, its scenario is the grid's base with its parameters). */
  madeBy?: { tool: 'balloonsim'; version: string; node: string };
  /** Cases finished by an earlier, interrupted run of the sweep and taken over, not run again. */
  resumedCases?: number;
}

export interface SweepTable {
  kind: 'balloonsim-sweep';
  schemaVersion: number;
  name: string;
  /** From the grid: shards of different grids are not merged. */
  fingerprint: string;
  casesTotal: number;
  parameterNames: string[];
  /** The shard these rows are, or null for a whole (or merged) sweep. */
  shard: Shard | null;
  /**
   * The sample interval the cases ran with (`sweep --sample-every`), or null
   * for each case's default: the metrics' means, peaks and minimums are taken
   * over the samples, so shards that ran with different intervals are not
   * merged. Absent from tables written before it was recorded.
   */
  sampleEveryTicks?: number | null;
  rows: SweepRow[];
  /** One entry per run that made the rows (several after a merge). */
  timing: SweepTiming[];
}

/** The metric columns of the CSV and Parquet tables, in order. */
export const METRIC_KEYS = [
  'scenario',
  'seed',
  'simulatedSeconds',
  'guests',
  'hostMemoryBytes',
  'committedBytes',
  'residentBytesMean',
  'residentBytesPeak',
  'savedBytesMean',
  'balloonBytesMean',
  'hostFreeBytesMin',
  'majorFaults',
  'swapInPages',
  'swapOutPages',
  'stallSeconds',
  'psiSomeMax',
  'oomKills',
  'auditViolations',
  'protocolViolations',
] as const satisfies ReadonlyArray<keyof RunMetrics>;

const metricKeysCoverMetrics: [Exclude<keyof RunMetrics, (typeof METRIC_KEYS)[number]>] extends [never] ? true : false = true;
void metricKeysCoverMetrics;

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function cellOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return formatCsvNumber(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * Throws unless `table` is a sweep table of this version: given null or
 * another object, the table functions failed deep inside ("Cannot read
 * properties of null (reading 'parameterNames')"), and deterministicTable
 * returned whatever it was given; a version 1 table failed reading
 * refused of undefined.
 */
export function checkSweepTable(table: unknown, what: string): asserts table is SweepTable {
  const candidate = table as Partial<SweepTable> | null;
  if (candidate === null || typeof candidate !== 'object' || candidate.kind !== 'balloonsim-sweep' || !Array.isArray(candidate.rows) || !Array.isArray(candidate.parameterNames)) {
    const got = candidate !== null && typeof candidate === 'object' && !Array.isArray(candidate) ? 'a mapping without kind: balloonsim-sweep, rows and parameterNames' : describeValue(table);
    throw new TypeError(`${what}: table must be a sweep table (what sweep() resolves to, or a sweep.json parsed), got ${got}`);
  }
  if (candidate.schemaVersion !== SWEEP_TABLE_SCHEMA_VERSION) {
    throw new RangeError(`${what}: the table has schema version ${describeValue(candidate.schemaVersion)}, this balloonsim's is ${SWEEP_TABLE_SCHEMA_VERSION}: read it with mergeSweepTables([table]), which upgrades version 1`);
  }
}

/** The table as CSV: case, label, base, one `param.PATH` column per parameter, status, refused, warnings, the metrics, error (the columns of sweep.parquet). No timing. */
export function sweepCsv(table: SweepTable): string {
  checkSweepTable(table, 'sweepCsv');
  const header = ['case', 'label', 'base', ...table.parameterNames.map((name) => `param.${name}`), 'status', 'refused', 'warnings', ...METRIC_KEYS, 'error'];
  const lines = [header.map(csvCell).join(',')];
  for (const row of table.rows) {
    const cells = [
      String(row.case),
      row.label,
      row.base,
      ...table.parameterNames.map((name) => cellOf(row.parameters[name])),
      row.status,
      row.refused.join('; '),
      row.warnings.join('; '),
      ...METRIC_KEYS.map((key) => cellOf(row.metrics?.[key])),
      row.error === null ? '' : `${row.error.code}: ${row.error.message}`,
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The table as JSON text (what `sweep.json` holds). */
export function sweepJson(table: SweepTable): string {
  checkSweepTable(table, 'sweepJson');
  return `${JSON.stringify(table, null, 2)}\n`;
}

/** The table without `timing`: what must be equal for the same grid, sharded or not. */
export function deterministicTable(table: SweepTable): Omit<SweepTable, 'timing'> {
  checkSweepTable(table, 'deterministicTable');
  const { timing: _timing, ...rest } = table;
  return rest;
}

/**
 * A table as this version reads it: version 1 tables (before statuses other
 * than ok and failed) get empty `refused` and `warnings` and their base from
 * the label. Returns null for a version this balloonsim does not know.
 */
export function upgradeSweepTable(table: SweepTable): SweepTable | null {
  if (table.schemaVersion === SWEEP_TABLE_SCHEMA_VERSION) return table;
  if (table.schemaVersion !== 1) return null;
  return {
    ...table,
    schemaVersion: SWEEP_TABLE_SCHEMA_VERSION,
    rows: table.rows.map((row) => ({
      ...row,
      base: row.base ?? (typeof row.metrics?.scenario === 'string' ? row.metrics.scenario : ''),
      refused: row.refused ?? [],
      warnings: row.warnings ?? [],
    })),
  };
}
