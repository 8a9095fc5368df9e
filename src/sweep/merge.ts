/**
 * Joins the tables of a sweep's shards into the table of the whole sweep:
 * the same rows, in case order, as one unsharded run gives.
 */
import { checkOptionsObject } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import { formatShard } from './shard.js';
import { sweepTableProblem } from './output-shapes.js';
import { SWEEP_TABLE_SCHEMA_VERSION, upgradeSweepTable, type SweepTable } from './table.js';

/** Shards that cannot be joined: different grids, a case twice, or cases missing. The CLI exits with 2. */
export class MergeError extends Error {
  override name = 'MergeError';
}

function describe(table: SweepTable, source: string): string {
  return `${source} (${table.shard === null ? 'whole sweep' : `shard ${formatShard(table.shard)}`} of ${table.name})`;
}

/** A table's sample interval in words. */
function samplingOf(sampleEveryTicks: number | null): string {
  return sampleEveryTicks === null ? 'at each case\'s default interval' : `every ${sampleEveryTicks} tick${sampleEveryTicks === 1 ? '' : 's'} (--sample-every ${sampleEveryTicks})`;
}

/**
 * Sources that were not a list of names were read a character a table ("a"
 * for the table from "a.json"), and options that were not an object, or
 * allowMissing: 'yes', were taken for the default.
 */
function checkMergeArguments(tables: number, sources: unknown, options: unknown): void {
  if (sources !== undefined && !(Array.isArray(sources) && sources.length === tables && sources.every((name) => typeof name === 'string' && name !== ''))) {
    throw new TypeError(`mergeSweepTables: sources must be a name for each of the ${tables} table${tables === 1 ? '' : 's'} (their files, such as ['shard-1/sweep.json']), or left out, got ${describeValue(sources)}`);
  }
  checkOptionsObject(options, ['allowMissing'], 'mergeSweepTables');
  const allowMissing = (options as { allowMissing?: unknown }).allowMissing;
  if (allowMissing !== undefined && typeof allowMissing !== 'boolean') throw new TypeError(`mergeSweepTables: allowMissing must be true or false, got ${describeValue(allowMissing)}`);
}

/**
 * Merges sweep tables (shards, or partial merges) into one.
 *
 * @param sources a name for each table in messages (its file), default `table 1`, `table 2`, ...
 * @param options.allowMissing accept a merge that lacks cases (default false: every case must be there)
 * @throws MergeError saying which tables disagree, which cases repeat or which are missing
 */
export function mergeSweepTables(given: ReadonlyArray<SweepTable>, sources?: ReadonlyArray<string>, options: { allowMissing?: boolean } = {}): SweepTable {
  if (!Array.isArray(given)) throw new MergeError('mergeSweepTables: give a list of sweep tables (the parsed sweep.json of each shard)');
  if (given.length === 0) throw new MergeError('nothing to merge: give the sweep.json of each shard');
  checkMergeArguments(given.length, sources, options);
  const names = given.map((_, i) => sources?.[i] ?? `table ${i + 1}`);
  const tables = given.map((table, i) => {
    if (table?.kind !== 'balloonsim-sweep') throw new MergeError(`${names[i]} is not a balloonsim sweep table (sweep.json)`);
    const problem = sweepTableProblem(table);
    if (problem !== null) throw new MergeError(`${names[i]} is damaged or not written by balloonsim: ${problem}; write it again with sweep --out or merge --out`);
    const upgraded = upgradeSweepTable(table);
    if (upgraded === null) {
      throw new MergeError(`${names[i]} has table schema version ${table.schemaVersion}; this balloonsim reads versions 1 to ${SWEEP_TABLE_SCHEMA_VERSION}`);
    }
    return upgraded;
  });
  const first = tables[0]!;
  tables.forEach((table, i) => {
    if (table.fingerprint !== first.fingerprint || table.casesTotal !== first.casesTotal) {
      throw new MergeError(
        `${describe(table, names[i]!)} comes from a different grid than ${describe(first, names[0]!)} ` +
          `(fingerprints ${table.fingerprint} and ${first.fingerprint}); merge shards of one grid, run with the same balloonsim and the same files`,
      );
    }
  });
  const recorded = tables.findIndex((table) => table.sampleEveryTicks !== undefined);
  tables.forEach((table, i) => {
    if (recorded >= 0 && table.sampleEveryTicks !== undefined && table.sampleEveryTicks !== tables[recorded]!.sampleEveryTicks) {
      throw new MergeError(
        `${describe(table, names[i]!)} sampled ${samplingOf(table.sampleEveryTicks)}, ${describe(tables[recorded]!, names[recorded]!)} ${samplingOf(tables[recorded]!.sampleEveryTicks!)}: ` +
          'the metrics (means, peaks, minimums) are taken over the samples, so the rows would not compare; run the shards again with the same --sample-every',
      );
    }
  });
  const byCase = new Map<number, { row: SweepTable['rows'][number]; from: string }>();
  tables.forEach((table, i) => {
    for (const row of table.rows) {
      const seen = byCase.get(row.case);
      if (seen !== undefined) throw new MergeError(`case ${row.case} (${row.label}) is in both ${seen.from} and ${names[i]}; give each shard once`);
      byCase.set(row.case, { row, from: names[i]! });
    }
  });
  const missing: number[] = [];
  for (let c = 0; c < first.casesTotal; c++) if (!byCase.has(c)) missing.push(c);
  if (missing.length > 0 && options.allowMissing !== true) {
    const counts = [...new Set(tables.map((t) => t.shard?.count).filter((n): n is number => n !== undefined))];
    const shardHint =
      counts.length === 1
        ? `; missing shards: ${[...new Set(missing.map((c) => (c % counts[0]!) + 1))].map((i) => `${i}/${counts[0]}`).join(', ')}`
        : '';
    throw new MergeError(`${missing.length} of ${first.casesTotal} cases are missing (cases ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''})${shardHint}`);
  }
  return {
    kind: 'balloonsim-sweep',
    schemaVersion: SWEEP_TABLE_SCHEMA_VERSION,
    name: first.name,
    fingerprint: first.fingerprint,
    casesTotal: first.casesTotal,
    parameterNames: first.parameterNames,
    shard: null,
    ...(recorded >= 0 ? { sampleEveryTicks: tables[recorded]!.sampleEveryTicks! } : {}),
    rows: [...byCase.values()].map((entry) => entry.row).sort((a, b) => a.case - b.case),
    timing: tables.flatMap((table) => table.timing),
  };
}
