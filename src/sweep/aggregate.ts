/**
 * Seeds aggregated: cases of a sweep that differ only by their `seed`
 * parameter are one setting run several times. Each such group gets the
 * mean of every metric and its 95 % confidence interval (Student's t, from
 * the spread between seeds), so that a table or a plot shows a difference
 * between settings next to the noise between seeds.
 */
import type { RunMetrics } from '../output/run-metrics.js';
import { valueText } from './grid.js';
import { checkSweepTable, METRIC_KEYS, SWEEP_STATUSES, type SweepStatus, type SweepTable } from './table.js';

/** The parameter that a grid varies to repeat a setting with other seeds. */
export const SEED_PARAMETER = 'seed';

/** The metrics that are averaged (all numeric ones but the seed). */
export const AGGREGATED_METRICS = METRIC_KEYS.filter((key) => key !== 'scenario' && key !== 'seed') as ReadonlyArray<Exclude<(typeof METRIC_KEYS)[number], 'scenario' | 'seed'>>;

export type AggregatedMetric = (typeof AGGREGATED_METRICS)[number];

/** One setting and its seeds. */
export interface SeedGroup {
  /** 0-based, in the order of the group's first case. */
  group: number;
  /** The label of its cases without `seed=...`. */
  label: string;
  base: string;
  /** The parameters but the seed. */
  parameters: Record<string, unknown>;
  cases: number[];
  seeds: unknown[];
  /** Cases with metrics (every status but `failed`): what the means are of. */
  n: number;
  /** The worst status of its cases. */
  status: SweepStatus;
  /** Cases of each status. */
  statusCounts: Record<SweepStatus, number>;
  /** Means over the n cases (null when n is 0). */
  mean: Record<AggregatedMetric, number> | null;
  /** 95 % confidence interval of each mean, [low, high] (null when n < 2: one seed gives no spread). */
  ci95: Record<AggregatedMetric, [number, number]> | null;
}

/** Student's t at 97.5 % for 1 to 30 degrees of freedom. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Student's t quantile at 97.5 % (two-sided 95 %) for `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  if (!Number.isSafeInteger(df) || df < 1) throw new RangeError(`tQuantile975: degrees of freedom must be a positive whole number, got ${df}`);
  if (df <= 30) return T_975[df - 1]!;
  if (df <= 40) return 2.021;
  if (df <= 60) return 2.0;
  if (df <= 120) return 1.98;
  return 1.96;
}

/** Mean and 95 % confidence interval of the mean of `values` (interval null for fewer than two). */
export function meanInterval(values: ReadonlyArray<number>): { mean: number; ci95: [number, number] | null } {
  const n = values.length;
  if (n === 0) throw new RangeError('meanInterval: no values');
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  if (n < 2) return { mean, ci95: null };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  const half = (tQuantile975(n - 1) * Math.sqrt(variance)) / Math.sqrt(n);
  return { mean, ci95: [mean - half, mean + half] };
}

/** Whether the table's grid repeats settings with several seeds. */
export function hasSeedGroups(table: Pick<SweepTable, 'parameterNames'>): boolean {
  return table.parameterNames.includes(SEED_PARAMETER);
}

/**
 * The table's cases grouped by everything but the seed, in the order of each
 * group's first case; null when the grid does not vary `seed`.
 */
export function aggregateSeeds(table: SweepTable): SeedGroup[] | null {
  checkSweepTable(table, 'aggregateSeeds');
  if (!hasSeedGroups(table)) return null;
  const others = table.parameterNames.filter((name) => name !== SEED_PARAMETER);
  const severalBases = new Set(table.rows.map((row) => row.base)).size > 1;
  const groups = new Map<string, { base: string; parameters: Record<string, unknown>; rows: SweepTable['rows'] }>();
  for (const row of table.rows) {
    const parameters = Object.fromEntries(others.map((name) => [name, row.parameters[name]]));
    const key = JSON.stringify([row.base, others.map((name) => row.parameters[name])]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { base: row.base, parameters, rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()].map((group, index) => {
    const labelParts = [...(severalBases ? [group.base] : []), ...others.map((name) => `${name}=${valueText(group.parameters[name])}`)];
    const statusCounts = Object.fromEntries(SWEEP_STATUSES.map((status) => [status, group.rows.filter((row) => row.status === status).length])) as Record<SweepStatus, number>;
    const measured = group.rows.flatMap((row) => (row.metrics === null ? [] : [row.metrics]));
    let mean: SeedGroup['mean'] = null;
    let ci95: SeedGroup['ci95'] = null;
    if (measured.length > 0) {
      const figures = AGGREGATED_METRICS.map((key) => [key, meanInterval(measured.map((m: RunMetrics) => m[key]))] as const);
      mean = Object.fromEntries(figures.map(([key, f]) => [key, f.mean])) as Record<AggregatedMetric, number>;
      ci95 = measured.length < 2 ? null : (Object.fromEntries(figures.map(([key, f]) => [key, f.ci95!])) as Record<AggregatedMetric, [number, number]>);
    }
    return {
      group: index,
      label: labelParts.length > 0 ? labelParts.join(' ') : group.base,
      base: group.base,
      parameters: group.parameters,
      cases: group.rows.map((row) => row.case),
      seeds: group.rows.map((row) => row.parameters[SEED_PARAMETER]),
      n: measured.length,
      status: SWEEP_STATUSES.find((status) => statusCounts[status] > 0) ?? 'ok',
      statusCounts,
      mean,
      ci95,
    };
  });
}
