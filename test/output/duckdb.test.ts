/** Unit tests of src/output/duckdb.ts: the in-memory DuckDB and SQL quoting. */
import { describe, expect, it } from 'vitest';
import { openDuckDB, sqlIdentifier, sqlString } from '../../src/output/duckdb.js';

describe('sqlString and sqlIdentifier', () => {
  it('quote text and names, doubling the quote inside', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString('')).toBe("''");
    expect(sqlIdentifier('param.a"b')).toBe('"param.a""b"');
  });
});

describe('openDuckDB', () => {
  it('opens an in-memory database whose quoting round-trips, with the threads asked for, and closes once', async () => {
    const db = await openDuckDB(1);
    try {
      const reader = await db.connection.runAndReadAll(`SELECT ${sqlString("a'b")} AS ${sqlIdentifier('we"ird')}, current_setting('threads') AS threads`);
      expect(reader.columnNames()).toEqual(['we"ird', 'threads']);
      expect(reader.getRowsJS()).toEqual([["a'b", 1n]]);
    } finally {
      db.close();
    }
    expect(() => db.close()).not.toThrow();
  });
});
