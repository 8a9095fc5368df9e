/**
 * Parquet files, written through DuckDB: a table described column by column
 * (name, SQL type, and the value at each row, or a range of rows at a time)
 * is read by DuckDB's COPY in chunks, through a table function, and written
 * to a Parquet file (zstd) with typed columns, so that DuckDB, pandas and
 * polars read it fast and with types.
 * Each file goes to a temporary name first and is renamed when complete.
 */
import type { DuckDBConnection, DuckDBType, DuckDBVector } from '@duckdb/node-api';
import { writeThroughTemporary } from './atomic-file.js';
import { openDuckDB, sqlIdentifier, sqlString, type DuckDBModule } from './duckdb.js';

/** The column types balloonsim writes: sizes and counts are BIGINT, fractions and seconds DOUBLE. */
export type ParquetType = 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN';

export type ParquetValue = number | string | boolean | null;

/** One column: its name, type and the value at each row (null for none). */
export interface ParquetColumn {
  name: string;
  type: ParquetType;
  value: (row: number) => ParquetValue;
  /**
   * Optionally: puts the values of rows `start` to `start + count - 1` into
   * `out` (a BOOLEAN as 1 or 0, a VARCHAR as its index in `levels`), as
   * `value` gives them, in one call; the writer then uses it instead of
   * `value`. Such a column has no nulls but the DOUBLEs that are not finite,
   * which are written as null as ever.
   */
  fill?: (start: number, count: number, out: Float64Array) => void;
  /** For a VARCHAR column with `fill`: its few distinct values (the guests' names), which DuckDB looks up by the index `fill` gives, instead of taking a string per row. */
  levels?: ReadonlyArray<string>;
}

/** A table to write. */
export interface ParquetTable {
  rows: number;
  columns: ReadonlyArray<ParquetColumn>;
  /** Key-value metadata stored in the file's footer. */
  metadata?: Readonly<Record<string, string>>;
}

/** DuckDB's vector size: rows per chunk handed to DuckDB (a chunk holds no more). */
const CHUNK_ROWS = 2048;

/** Whole numbers that BIGINT holds: from -2^63 to below 2^63. */
const BIGINT_LIMIT = 2 ** 63;

/**
 * The type a column is handed to DuckDB as: a BIGINT as DOUBLE, so that no
 * cell needs a BigInt (the values are whole numbers, exact in a double
 * below 2^53), cast back to BIGINT in the COPY; a VARCHAR with `levels` as
 * the INTEGER index of each row's value, looked up in the COPY.
 */
function stagedType(column: ParquetColumn): ParquetType {
  if (column.type === 'VARCHAR' && column.levels !== undefined) return 'INTEGER';
  return column.type === 'BIGINT' ? 'DOUBLE' : column.type;
}

function duckType(module: DuckDBModule, type: ParquetType): DuckDBType {
  switch (type) {
    case 'BIGINT':
      return module.BIGINT;
    case 'INTEGER':
      return module.INTEGER;
    case 'DOUBLE':
      return module.DOUBLE;
    case 'VARCHAR':
      return module.VARCHAR;
    case 'BOOLEAN':
      return module.BOOLEAN;
  }
}

function notANumber(column: string, row: number, value: ParquetValue): TypeError {
  return new TypeError(`writeParquet: column ${column}, row ${row}: expected a number, got ${String(value)}`);
}

/** A value as DuckDB is handed it for the column's type (see stagedType). */
function cell(type: ParquetType, value: ParquetValue, column: string, row: number): number | string | boolean | null {
  if (value === null) return null;
  switch (type) {
    case 'BIGINT':
    case 'INTEGER': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw notANumber(column, row, value);
      const whole = Math.round(value);
      if (type === 'BIGINT' && !(whole >= -BIGINT_LIMIT && whole < BIGINT_LIMIT)) throw new RangeError(`writeParquet: column ${column}, row ${row}: ${value} is out of BIGINT's range`);
      return whole;
    }
    case 'DOUBLE':
      if (typeof value !== 'number') throw notANumber(column, row, value);
      return Number.isFinite(value) ? value : null;
    case 'VARCHAR':
      return String(value);
    case 'BOOLEAN':
      return Boolean(value);
  }
}

/** A row's index into `levels`, as `fill` gave it. */
function levelIndex(index: number, levels: ReadonlyArray<string>, column: string, row: number): number {
  if (!(Number.isInteger(index) && index >= 0 && index < levels.length)) throw new RangeError(`writeParquet: column ${column}, row ${row}: ${index} is no index into its ${levels.length} levels`);
  return index;
}

/** Puts rows `start` to `start + count - 1` of a column into its vector of a chunk, through `fill` when it has one. */
function stageColumn(column: ParquetColumn, vector: DuckDBVector, start: number, count: number, filled: Float64Array): void {
  const { type, name, levels } = column;
  if (column.fill !== undefined) {
    column.fill(start, count, filled);
    if (levels !== undefined) for (let r = 0; r < count; r++) vector.setItem(r, levelIndex(filled[r]!, levels, name, start + r));
    else for (let r = 0; r < count; r++) vector.setItem(r, cell(type, filled[r]!, name, start + r));
  } else {
    for (let r = 0; r < count; r++) vector.setItem(r, cell(type, column.value(start + r), name, start + r));
  }
  vector.flush();
}

/** Rows of a table as DuckDB reads them from the table function that `registerRows` makes. */
interface RowSource {
  /** The SQL that reads them. */
  from: string;
  /** What a column threw while its rows were made (DuckDB reports it as an Invalid Input Error), to be thrown as it was. */
  failure: unknown;
}

/**
 * Makes a table's rows readable as the table function `name()`, which the
 * COPY reads a chunk of up to 2,048 rows at a time: each chunk is filled
 * (on this thread, while DuckDB's thread waits for it) and goes straight to
 * the Parquet writer, so the rows are never held in a DuckDB table.
 *
 * The order relies on `openDuckDB(1)`: one DuckDB thread asks for the
 * chunks, one after the other, so `next` needs no lock, and the COPY keeps
 * the order they came in (DuckDB preserves insertion order), so the file's
 * rows are the table's in order.
 */
function registerRows(module: DuckDBModule, connection: DuckDBConnection, name: string, table: ParquetTable): RowSource {
  const source: RowSource = { from: `${name}()`, failure: undefined };
  const filled = new Float64Array(CHUNK_ROWS);
  let next = 0;
  const rowsFunction = module.DuckDBTableFunction.create({
    name,
    bindFunction: (info) => {
      for (const column of table.columns) info.addResultColumn(column.name, duckType(module, stagedType(column)));
      info.setCardinality(table.rows, true);
    },
    initFunction: () => {
      next = 0;
    },
    mainFunction: (_info, chunk) => {
      const count = Math.min(CHUNK_ROWS, table.rows - next);
      try {
        chunk.rowCount = count;
        table.columns.forEach((column, c) => stageColumn(column, chunk.getColumnVector(c), next, count, filled));
      } catch (error) {
        source.failure = error;
        throw error;
      }
      next += count;
    },
  });
  connection.registerTableFunction(rowsFunction);
  return source;
}

/** The COPY's query: the staged columns, each turned back into its own type where it was staged as another (see stagedType). */
function selectColumns(table: ParquetTable, from: string): string {
  const columns = table.columns.map((c) => {
    const id = sqlIdentifier(c.name);
    if (stagedType(c) === c.type) return id;
    if (c.levels !== undefined) return `CAST([${c.levels.map(sqlString).join(', ')}] AS VARCHAR[])[${id} + 1] AS ${id}`;
    return `CAST(${id} AS ${c.type}) AS ${id}`;
  });
  return `SELECT ${columns.join(', ')} FROM ${from}`;
}

function checkTable(table: ParquetTable, path: string): void {
  if (!Number.isSafeInteger(table.rows) || table.rows < 0) throw new RangeError(`writeParquet: ${path}: rows must be a whole number, got ${table.rows}`);
  if (table.columns.length === 0) throw new RangeError(`writeParquet: ${path}: a table needs at least one column`);
  const names = new Set<string>();
  for (const column of table.columns) {
    if (names.has(column.name)) throw new RangeError(`writeParquet: ${path}: column ${column.name} is given twice`);
    if ((column.levels !== undefined) !== (column.type === 'VARCHAR' && column.fill !== undefined)) {
      throw new TypeError(`writeParquet: ${path}: column ${column.name}: a VARCHAR column with fill needs levels (fill gives each row's index into them), and only such a column takes them`);
    }
    names.add(column.name);
  }
}

/**
 * Writes each table to its Parquet file (one DuckDB for all of them).
 *
 * @throws TypeError for a value that does not fit its column's type
 */
export async function writeParquet(files: ReadonlyArray<{ path: string; table: ParquetTable }>): Promise<void> {
  if (files.length === 0) return;
  for (const file of files) checkTable(file.table, file.path);
  const db = await openDuckDB(1);
  try {
    const { module, connection } = db;
    for (const [index, { path, table }] of files.entries()) {
      const source = registerRows(module, connection, `balloonsim_rows_${index}`, table);
      const metadata = Object.entries(table.metadata ?? {});
      const kv = metadata.length === 0 ? '' : `, KV_METADATA {${metadata.map(([key, value]) => `${sqlIdentifier(key)}: ${sqlString(value)}`).join(', ')}}`;
      await writeThroughTemporary(path, async (temporary) => {
        try {
          await connection.run(`COPY (${selectColumns(table, source.from)}) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd${kv})`);
        } catch (error) {
          throw source.failure ?? error;
        }
      });
    }
  } finally {
    db.close();
  }
}
