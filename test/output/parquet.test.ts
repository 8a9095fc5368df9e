/** Unit tests of src/output/parquet.ts: typed Parquet files through DuckDB, read back with DuckDB. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDuckDB, sqlString } from '../../src/output/duckdb.js';
import { writeParquet, type ParquetTable } from '../../src/output/parquet.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('balloonsim-parquet-');
});

async function read(sql: string): Promise<{ columns: string[]; types: string[]; rows: unknown[][] }> {
  const db = await openDuckDB(1);
  try {
    const reader = await db.connection.runAndReadAll(sql);
    return { columns: reader.columnNames(), types: reader.columnTypes().map(String), rows: reader.getRowsJS() };
  } finally {
    db.close();
  }
}

const names = ['a', 'b', null];
const table: ParquetTable = {
  rows: 3,
  columns: [
    { name: 'n', type: 'BIGINT', value: (r) => (r === 2 ? null : r * 1.6) },
    { name: 'i', type: 'INTEGER', value: (r) => r },
    { name: 'x', type: 'DOUBLE', value: (r) => (r === 1 ? Number.NaN : r / 4) },
    { name: 'name "q"', type: 'VARCHAR', value: (r) => names[r]! },
    { name: 'ok', type: 'BOOLEAN', value: (r) => r === 0 },
  ],
  metadata: { 'balloonsim.seed': "4'2" },
};

describe('writeParquet', () => {
  it('writes typed columns, whole numbers rounded, NaN and null as NULL, with the metadata', async () => {
    const path = join(dir, 't.parquet');
    await writeParquet([{ path, table }]);
    const got = await read(`SELECT * FROM read_parquet(${sqlString(path)}) ORDER BY i`);
    expect(got.columns).toEqual(['n', 'i', 'x', 'name "q"', 'ok']);
    expect(got.types).toEqual(['BIGINT', 'INTEGER', 'DOUBLE', 'VARCHAR', 'BOOLEAN']);
    expect(got.rows).toEqual([
      [0n, 0, 0, 'a', true],
      [2n, 1, null, 'b', false],
      [null, 2, 0.5, null, false],
    ]);
    const meta = await read(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(path)})`);
    expect(meta.rows).toContainEqual(['balloonsim.seed', "4'2"]);
    expect(readdirSync(dir)).toEqual(['t.parquet']);
  });

  it('writes several files, in chunks past 2048 rows, and an empty table', async () => {
    const big: ParquetTable = { rows: 5000, columns: [{ name: 'v', type: 'BIGINT', value: (r) => r }] };
    const empty: ParquetTable = { rows: 0, columns: [{ name: 'v', type: 'VARCHAR', value: () => 'x' }] };
    await writeParquet([
      { path: join(dir, 'big.parquet'), table: big },
      { path: join(dir, 'empty.parquet'), table: empty },
    ]);
    const sum = await read(`SELECT count(*), sum(v), max(v) FROM read_parquet(${sqlString(join(dir, 'big.parquet'))})`);
    expect(sum.rows).toEqual([[5000n, 12497500n, 4999n]]);
    expect((await read(`SELECT count(*) FROM read_parquet(${sqlString(join(dir, 'empty.parquet'))})`)).rows).toEqual([[0n]]);
  });

  it('does nothing for no files', async () => {
    await writeParquet([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a malformed table before it writes anything', async () => {
    const path = join(dir, 'x.parquet');
    await expect(writeParquet([{ path, table: { rows: -1, columns: table.columns } }])).rejects.toThrow(`writeParquet: ${path}: rows must be a whole number, got -1`);
    await expect(writeParquet([{ path, table: { rows: 1, columns: [] } }])).rejects.toThrow(`writeParquet: ${path}: a table needs at least one column`);
    await expect(writeParquet([{ path, table: { rows: 1, columns: [table.columns[0]!, table.columns[0]!] } }])).rejects.toThrow(`writeParquet: ${path}: column n is given twice`);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a value that does not fit its column, naming column and row, and leaves no file', async () => {
    const path = join(dir, 'x.parquet');
    const bad: ParquetTable = { rows: 2, columns: [{ name: 'n', type: 'BIGINT', value: (r) => (r === 1 ? 'seven' : 1) }] };
    await expect(writeParquet([{ path, table: bad }])).rejects.toThrow(new TypeError('writeParquet: column n, row 1: expected a number, got seven'));
    const inf: ParquetTable = { rows: 1, columns: [{ name: 'i', type: 'INTEGER', value: () => Number.POSITIVE_INFINITY }] };
    await expect(writeParquet([{ path, table: inf }])).rejects.toThrow('writeParquet: column i, row 0: expected a number, got Infinity');
    const text: ParquetTable = { rows: 1, columns: [{ name: 'd', type: 'DOUBLE', value: () => '1.5' }] };
    await expect(writeParquet([{ path, table: text }])).rejects.toThrow('writeParquet: column d, row 0: expected a number, got 1.5');
    expect(readdirSync(dir)).toEqual([]);
  });
});
