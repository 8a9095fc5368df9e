/**
 * The Parquet writer of balloonsim 0501cce, kept as the reference that
 * today's files are compared with (parquet-content.test.ts and
 * run-parquet.test.ts beside it), and what a Parquet file holds as DuckDB reads it.
 */
import { openDuckDB, sqlIdentifier, sqlString } from '../../src/output/duckdb.js';
import type { DuckDBType } from '@duckdb/node-api';
import type { ParquetTable, ParquetType, ParquetValue } from '../../src/output/parquet.js';

/** writeParquet as 0501cce had it: a BigInt per BIGINT cell, appended through setColumns, the table copied as it is. */
export async function referenceWriteParquet(path: string, table: ParquetTable): Promise<void> {
  const db = await openDuckDB(1);
  try {
    const { module, connection } = db;
    const types: Record<ParquetType, DuckDBType> = { BIGINT: module.BIGINT, INTEGER: module.INTEGER, DOUBLE: module.DOUBLE, VARCHAR: module.VARCHAR, BOOLEAN: module.BOOLEAN };
    const cell = (type: ParquetType, value: ParquetValue): bigint | number | string | boolean | null => {
      if (value === null) return null;
      if (type === 'BIGINT') return BigInt(Math.round(value as number));
      if (type === 'INTEGER') return Math.round(value as number);
      if (type === 'DOUBLE') return Number.isFinite(value) ? (value as number) : null;
      return type === 'VARCHAR' ? String(value) : Boolean(value);
    };
    await connection.run(`CREATE TABLE t (${table.columns.map((c) => `${sqlIdentifier(c.name)} ${c.type}`).join(', ')})`);
    const appender = await connection.createAppender('t');
    for (let start = 0; start < table.rows; start += 2048) {
      const count = Math.min(2048, table.rows - start);
      const chunk = module.DuckDBDataChunk.create(table.columns.map((c) => types[c.type]), count);
      chunk.setColumns(table.columns.map((column) => Array.from({ length: count }, (_, r) => cell(column.type, column.value(start + r)))));
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
    const kv = Object.entries(table.metadata ?? {}).map(([key, value]) => `${sqlIdentifier(key)}: ${sqlString(value)}`);
    await connection.run(`COPY t TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd${kv.length === 0 ? '' : `, KV_METADATA {${kv.join(', ')}}`})`);
  } finally {
    db.close();
  }
}

/** What Parquet files hold, as DuckDB reads them: schema, rows in file order, key-value metadata. */
export async function parquetContents(paths: string[]): Promise<Array<{ schema: unknown[][]; rows: unknown[][]; metadata: unknown[][] }>> {
  const db = await openDuckDB(1);
  try {
    const read = async (sql: string): Promise<unknown[][]> => (await db.connection.runAndReadAll(sql)).getRowsJS();
    const contents = [];
    for (const path of paths) {
      const file = sqlString(path);
      contents.push({
        schema: await read(`SELECT name, type, converted_type, logical_type FROM parquet_schema(${file})`),
        rows: await read(`SELECT * FROM read_parquet(${file})`),
        metadata: await read(`SELECT decode(key), decode(value) FROM parquet_kv_metadata(${file}) ORDER BY 1`),
      });
    }
    return contents;
  } finally {
    db.close();
  }
}

/** The table with `fill` (and `levels`) taken away from its columns: the generic path, through `value`. */
export function withoutFill(table: ParquetTable): ParquetTable {
  return { ...table, columns: table.columns.map(({ fill: _fill, levels: _levels, ...column }) => column) };
}
