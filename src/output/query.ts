/**
 * SQL over a run's or a sweep's files (`balloonsim query DIR "SQL"`): DuckDB
 * opens the directory's Parquet files as views, named after the files, and
 * runs the query.
 *
 * | view | from | one row per |
 * | --- | --- | --- |
 * | `timeseries` | timeseries.parquet | guest per sample |
 * | `host_timeseries` | host-timeseries.parquet | sample |
 * | `events` | events.parquet | host event |
 * | `summary` | summary.json | run (nested, as the JSON; `guests[].psi` DOUBLE) |
 * | `sweep` | sweep.parquet | case |
 * | `sweep_aggregate` | sweep-aggregate.parquet | setting (seeds aggregated) |
 * | `case_timeseries`, `case_host_timeseries`, `case_events` | case-NNNN/ of `sweep --case-outputs` | as above, with a `case` column |
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeValue } from '../util/suggest.js';
import { InputError } from './input-error.js';
import { openDuckDB, sqlIdentifier, sqlString, type DuckDB } from './duckdb.js';
import { fileKind, regularFileProblem } from '../util/read-bounded.js';

/** Most values (rows times columns) a query returns: about 1 GiB of memory once they are JavaScript values and printed. */
export const QUERY_VALUES_MAX = 5_000_000;

/** A view `query` makes, and what it reads. */
export interface QueryView {
  name: string;
  /** What the view holds, for messages. */
  about: string;
  /** The SQL that reads it. */
  source: string;
}

/** The result of a query: column names and types, and the rows as plain values (BIGINT as bigint). */
export interface QueryResult {
  columns: string[];
  types: string[];
  rows: unknown[][];
  views: QueryView[];
}

const RUN_FILES: ReadonlyArray<{ file: string; view: string; about: string }> = [
  { file: 'timeseries.parquet', view: 'timeseries', about: 'one row per guest per sample' },
  { file: 'host-timeseries.parquet', view: 'host_timeseries', about: 'one row per sample: the host' },
  { file: 'events.parquet', view: 'events', about: 'the host\'s event log' },
  { file: 'sweep.parquet', view: 'sweep', about: 'one row per case of the sweep' },
  { file: 'sweep-aggregate.parquet', view: 'sweep_aggregate', about: 'one row per setting, seeds aggregated' },
];

const CASE_DIR = /^case-\d{4,}$/;

/**
 * Whether `dir` holds the file `path`: a regular file. A named pipe there (or
 * a device, a socket) is refused: DuckDB would wait on it for ever.
 */
function holds(path: string, dir: string): boolean {
  if (!existsSync(path)) return false;
  const problem = regularFileProblem(statSync(path));
  if (problem === null) return true;
  throw new InputError(`cannot read ${path}: ${problem}; query reads the files that run --out or sweep --out wrote: remove it, or write ${dir} again`);
}

/** The views that the files in `dir` allow. */
export function viewsOf(dir: string): QueryView[] {
  if (!existsSync(dir)) throw new InputError(`${dir}: no such directory`);
  const stats = statSync(dir);
  if (!stats.isDirectory()) throw new InputError(`${dir} is ${stats.isFile() ? 'a file' : fileKind(stats)}; give the directory that run --out or sweep --out wrote`);
  const views: QueryView[] = [];
  for (const { file, view, about } of RUN_FILES) {
    const path = join(dir, file);
    if (holds(path, dir)) views.push({ name: view, about, source: `SELECT * FROM read_parquet(${sqlString(path)})` });
  }
  const summary = join(dir, 'summary.json');
  if (holds(summary, dir)) views.push({ name: 'summary', about: 'the run\'s summary.json, one row', source: `SELECT * FROM read_json(${sqlString(summary)}, format = 'auto', maximum_object_size = 268435456)` });
  const caseDirs = readdirSync(dir).filter((name) => CASE_DIR.test(name));
  for (const { file, view, about } of RUN_FILES.slice(0, 3)) {
    if (!caseDirs.some((name) => existsSync(join(dir, name, file)))) continue;
    const glob = join(dir, 'case-*', file);
    views.push({
      name: `case_${view}`,
      about: `${about}, of every case (sweep --case-outputs), with its case number`,
      source: `SELECT CAST(regexp_extract(filename, 'case-([0-9]+)', 1) AS INTEGER) AS "case", * EXCLUDE (filename) FROM read_parquet(${sqlString(glob)}, filename = true)`,
    });
  }
  if (views.length === 0) {
    throw new InputError(`${dir} holds no balloonsim Parquet files or summary; write them with run --out DIR or sweep --out DIR (balloonsim before Parquet wrote CSV only: run it again)`);
  }
  return views;
}

/**
 * Makes the summary view's pressure-stall averages (`guests[].psi`) DOUBLE.
 * DuckDB's JSON reader takes a field's type from its values: a run whose
 * averages were all 0 gave BIGINT, any other DOUBLE, so the same query typed
 * its result differently from run to run. A summary without them (written by
 * hand, or by another tool) keeps the types DuckDB found.
 */
async function typeSummaryPressure(db: DuckDB, view: QueryView): Promise<void> {
  const reader = await db.connection.runAndReadAll(`SELECT * FROM ${sqlIdentifier(view.name)} LIMIT 0`);
  const guests = reader.columnTypes()[reader.columnNames().indexOf('guests')];
  if (!(guests instanceof db.module.DuckDBListType) || !(guests.valueType instanceof db.module.DuckDBStructType)) return;
  const guest = guests.valueType;
  if (!guest.entryNames.includes('psi')) return;
  const psi = guest.typeForEntry('psi');
  if (!(psi instanceof db.module.DuckDBStructType)) return;
  const doubles = psi.entryNames.map((name) => `${sqlIdentifier(name)} DOUBLE`).join(', ');
  await db.connection.run(
    `CREATE OR REPLACE VIEW ${sqlIdentifier(view.name)} AS SELECT * REPLACE (list_transform(guests, lambda g: struct_update(g, psi := CAST(g.psi AS STRUCT(${doubles})))) AS guests) FROM (${view.source})`,
  );
}

/** `timeseries (one row per guest per sample), events (...)`. */
export function describeViews(views: ReadonlyArray<QueryView>): string {
  return views.map((view) => `${view.name} (${view.about})`).join(', ');
}

/**
 * Runs `sql` over the files of `dir`.
 *
 * @throws InputError for a directory without balloonsim files, SQL that DuckDB refuses (with its message and the views at hand), or a result of more than QUERY_VALUES_MAX values
 */
export async function queryOutputs(dir: string, sql: string): Promise<QueryResult> {
  // null was looked for as a directory named "null".
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`queryOutputs: dir must be the path of a directory that run --out, sweep --out or merge --out wrote, got ${describeValue(dir)}`);
  if (typeof sql !== 'string' || sql.trim() === '') throw new InputError('query needs SQL, such as "SELECT guest, max(balloon_bytes) FROM timeseries GROUP BY guest"');
  const views = viewsOf(dir);
  const db = await openDuckDB(2);
  try {
    for (const view of views) {
      try {
        await db.connection.run(`CREATE VIEW ${sqlIdentifier(view.name)} AS ${view.source}`);
        if (view.name === 'summary') await typeSummaryPressure(db, view);
      } catch (error) {
        // DuckDB reads a file when the view is made: a damaged one failed every query, even of other tables, as an internal error.
        const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
        throw new InputError(`query: the ${view.name} table cannot be read (${message}); its file is damaged or not written by balloonsim: write ${dir} again (run --out, sweep --out or merge --out)`);
      }
    }
    let reader;
    let rowsMax: number;
    try {
      // Streamed, and read no further than the bound: a result of 10^8 rows used to fill the heap (4 GiB) and kill the process.
      reader = await db.connection.streamAndRead(sql);
      rowsMax = Math.max(1, Math.floor(QUERY_VALUES_MAX / Math.max(1, reader.columnCount)));
      await reader.readUntil(rowsMax + 1);
    } catch (error) {
      // A statement streamed is parsed in two steps, which prefix DuckDB's own message: keep its message.
      const message = (error instanceof Error ? error.message : String(error)).replace(/^Failed to extract statements: /, '');
      throw new InputError(`query: ${message.split('\n')[0]}\n  tables here: ${describeViews(views)}`);
    }
    if (reader.currentRowCount > rowsMax) {
      const columns = reader.columnCount;
      throw new InputError(
        `query: the result has more than ${rowsMax.toLocaleString('en-US')} rows of ${columns} column${columns === 1 ? '' : 's'}, more than the ${QUERY_VALUES_MAX.toLocaleString('en-US')} values query prints; ` +
          "select fewer columns or rows (WHERE, GROUP BY, LIMIT), or have DuckDB write them to a file (its COPY statement)",
      );
    }
    return {
      columns: reader.columnNames(),
      types: reader.columnTypes().map((type) => type.toString()),
      rows: reader.getRowsJS(),
      views,
    };
  } finally {
    db.close();
  }
}
