/**
 * Parquet files, written through DuckDB: a table described column by column
 * (name, SQL type, and the value at each row) is appended to an in-memory
 * DuckDB table in chunks, then copied to a Parquet file (zstd) with typed
 * columns, so that DuckDB, pandas and polars read it fast and with types.
 * Each file goes to a temporary name first and is renamed when complete.
 */
import type { DuckDBType } from '@duckdb/node-api';
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
}

/** A table to write. */
export interface ParquetTable {
  rows: number;
  columns: ReadonlyArray<ParquetColumn>;
  /** Key-value metadata stored in the file's footer. */
  metadata?: Readonly<Record<string, string>>;
}

/** DuckDB's vector size: rows appended per chunk. */
const CHUNK_ROWS = 2048;

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

/** A value as DuckDB's appender takes it for the column's type. */
function cell(type: ParquetType, value: ParquetValue, column: string, row: number): bigint | number | string | boolean | null {
  if (value === null) return null;
  switch (type) {
    case 'BIGINT':
    case 'INTEGER': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`writeParquet: column ${column}, row ${row}: expected a number, got ${String(value)}`);
      const whole = Math.round(value);
      return type === 'BIGINT' ? BigInt(whole) : whole;
    }
    case 'DOUBLE':
      if (typeof value !== 'number') throw new TypeError(`writeParquet: column ${column}, row ${row}: expected a number, got ${String(value)}`);
      return Number.isFinite(value) ? value : null;
    case 'VARCHAR':
      return String(value);
    case 'BOOLEAN':
      return Boolean(value);
  }
}

function checkTable(table: ParquetTable, path: string): void {
  if (!Number.isSafeInteger(table.rows) || table.rows < 0) throw new RangeError(`writeParquet: ${path}: rows must be a whole number, got ${table.rows}`);
  if (table.columns.length === 0) throw new RangeError(`writeParquet: ${path}: a table needs at least one column`);
  const names = new Set<string>();
  for (const column of table.columns) {
    if (names.has(column.name)) throw new RangeError(`writeParquet: ${path}: column ${column.name} is given twice`);
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
      const name = `t${index}`;
      const columnsSql = table.columns.map((c) => `${sqlIdentifier(c.name)} ${c.type}`).join(', ');
      await connection.run(`CREATE TABLE ${name} (${columnsSql})`);
      const appender = await connection.createAppender(name);
      const types = table.columns.map((c) => duckType(module, c.type));
      for (let start = 0; start < table.rows; start += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, table.rows - start);
        const chunk = module.DuckDBDataChunk.create(types, count);
        const columns = table.columns.map((column) => {
          const values = new Array<bigint | number | string | boolean | null>(count);
          for (let r = 0; r < count; r++) values[r] = cell(column.type, column.value(start + r), column.name, start + r);
          return values;
        });
        chunk.setColumns(columns);
        appender.appendDataChunk(chunk);
      }
      appender.closeSync();
      const metadata = Object.entries(table.metadata ?? {});
      const kv = metadata.length === 0 ? '' : `, KV_METADATA {${metadata.map(([key, value]) => `${sqlIdentifier(key)}: ${sqlString(value)}`).join(', ')}}`;
      await writeThroughTemporary(path, async (temporary) => {
        await connection.run(`COPY ${name} TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd${kv})`);
      });
      await connection.run(`DROP TABLE ${name}`);
    }
  } finally {
    db.close();
  }
}
