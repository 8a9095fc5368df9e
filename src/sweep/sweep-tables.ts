/**
 * A sweep's table as Parquet (`sweep.parquet`, one row per case, typed
 * columns) and its seeds aggregated (`sweep-aggregate.csv` and
 * `.parquet`, one row per setting: the mean of each metric and its 95 %
 * interval). Nothing here depends on timing, so shards merged give the same
 * files as one machine.
 */
import type { AggregatedMetric, SeedGroup } from './aggregate.js';
import { AGGREGATED_METRICS } from './aggregate.js';
import { METRIC_KEYS, SWEEP_STATUSES, type SweepTable } from './table.js';
import type { ParquetColumn, ParquetTable, ParquetType, ParquetValue } from '../output/parquet.js';
import { formatCsvNumber } from '../output/timeseries-csv.js';

/** The type of a metric's column. */
function metricType(key: (typeof METRIC_KEYS)[number]): ParquetType {
  switch (key) {
    case 'scenario':
      return 'VARCHAR';
    case 'simulatedSeconds':
    case 'stallSeconds':
    case 'psiSomeMax':
      return 'DOUBLE';
    default:
      return 'BIGINT';
  }
}

/** A parameter's column type: one type that fits every value, or text (JSON for lists and objects). */
function parameterColumn(name: string, values: ReadonlyArray<unknown>, prefix = 'param.'): ParquetColumn {
  const present = values.filter((v) => v !== undefined && v !== null);
  let type: ParquetType = 'VARCHAR';
  if (present.length > 0 && present.every((v) => typeof v === 'number')) type = present.every((v) => Number.isSafeInteger(v)) ? 'BIGINT' : 'DOUBLE';
  else if (present.length > 0 && present.every((v) => typeof v === 'boolean')) type = 'BOOLEAN';
  const value = (row: number): ParquetValue => {
    const v = values[row];
    if (v === undefined || v === null) return null;
    if (type !== 'VARCHAR') return v as number | boolean;
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
  return { name: `${prefix}${name}`, type, value };
}

/** sweep.parquet: the columns of sweep.csv, typed. */
export function sweepParquetTable(table: SweepTable): ParquetTable {
  const rows = table.rows;
  return {
    rows: rows.length,
    columns: [
      { name: 'case', type: 'INTEGER', value: (r) => rows[r]!.case },
      { name: 'label', type: 'VARCHAR', value: (r) => rows[r]!.label },
      { name: 'base', type: 'VARCHAR', value: (r) => rows[r]!.base },
      ...table.parameterNames.map((name) => parameterColumn(name, rows.map((row) => row.parameters[name]))),
      { name: 'status', type: 'VARCHAR', value: (r) => rows[r]!.status },
      { name: 'refused', type: 'VARCHAR', value: (r) => (rows[r]!.refused.length === 0 ? null : rows[r]!.refused.join('; ')) },
      { name: 'warnings', type: 'VARCHAR', value: (r) => (rows[r]!.warnings.length === 0 ? null : rows[r]!.warnings.join('; ')) },
      ...METRIC_KEYS.map((key): ParquetColumn => ({ name: key, type: metricType(key), value: (r) => rows[r]!.metrics?.[key] ?? null })),
      { name: 'error', type: 'VARCHAR', value: (r) => (rows[r]!.error === null ? null : `${rows[r]!.error!.code}: ${rows[r]!.error!.message}`) },
    ],
    metadata: { 'balloonsim.sweep': table.name, 'balloonsim.fingerprint': table.fingerprint },
  };
}

/** The aggregate's columns after the group's own: each metric's mean, then the low and high ends of its 95 % interval. */
function aggregateMetricColumns(groups: ReadonlyArray<SeedGroup>): ParquetColumn[] {
  return AGGREGATED_METRICS.flatMap((key: AggregatedMetric): ParquetColumn[] => [
    { name: key, type: 'DOUBLE', value: (g) => groups[g]!.mean?.[key] ?? null },
    { name: `${key}_low`, type: 'DOUBLE', value: (g) => groups[g]!.ci95?.[key][0] ?? null },
    { name: `${key}_high`, type: 'DOUBLE', value: (g) => groups[g]!.ci95?.[key][1] ?? null },
  ]);
}

/** Every column of the aggregate table, for both its CSV and its Parquet. */
function aggregateColumns(table: SweepTable, groups: ReadonlyArray<SeedGroup>): ParquetColumn[] {
  const others = table.parameterNames.filter((name) => name !== 'seed');
  return [
    { name: 'group', type: 'INTEGER', value: (g) => groups[g]!.group },
    { name: 'label', type: 'VARCHAR', value: (g) => groups[g]!.label },
    { name: 'base', type: 'VARCHAR', value: (g) => groups[g]!.base },
    ...others.map((name) => parameterColumn(name, groups.map((group) => group.parameters[name]))),
    { name: 'cases', type: 'VARCHAR', value: (g) => groups[g]!.cases.join(' ') },
    { name: 'seeds', type: 'VARCHAR', value: (g) => groups[g]!.seeds.map((s) => (typeof s === 'string' ? s : JSON.stringify(s))).join(' ') },
    { name: 'n', type: 'INTEGER', value: (g) => groups[g]!.n },
    { name: 'status', type: 'VARCHAR', value: (g) => groups[g]!.status },
    ...SWEEP_STATUSES.map((status): ParquetColumn => ({ name: `cases_${status}`, type: 'INTEGER', value: (g) => groups[g]!.statusCounts[status] })),
    ...aggregateMetricColumns(groups),
  ];
}

/** sweep-aggregate.parquet. */
export function aggregateParquetTable(table: SweepTable, groups: ReadonlyArray<SeedGroup>): ParquetTable {
  return { rows: groups.length, columns: aggregateColumns(table, groups), metadata: { 'balloonsim.sweep': table.name, 'balloonsim.fingerprint': table.fingerprint } };
}

function csvCell(value: ParquetValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return formatCsvNumber(value);
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** sweep-aggregate.csv: the same columns as its Parquet twin. */
export function aggregateCsv(table: SweepTable, groups: ReadonlyArray<SeedGroup>): string {
  const columns = aggregateColumns(table, groups);
  const lines = [columns.map((c) => csvCell(c.name)).join(',')];
  for (let g = 0; g < groups.length; g++) lines.push(columns.map((c) => csvCell(c.value(g))).join(','));
  return `${lines.join('\n')}\n`;
}
