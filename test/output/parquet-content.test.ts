/**
 * writeParquet stages BIGINT columns as DOUBLE and lets columns fill a range
 * of rows at once: the files must hold what balloonsim 0501cce wrote (its
 * writer is kept below as the reference), read back through DuckDB: the
 * same schema, values, nulls, row order and key-value metadata, with and
 * without `fill`, for tables that are not a whole number of chunks.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeParquet, type ParquetColumn, type ParquetTable, type ParquetType, type ParquetValue } from '../../src/output/parquet.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { parquetContents, referenceWriteParquet, withoutFill } from './parquet-reference.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

/** Values a numeric column may hold: whole numbers (negative too; up to 2^53 in a BIGINT), fractions to round, and for a DOUBLE any double. */
const numberArb = (type: 'BIGINT' | 'INTEGER' | 'DOUBLE'): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 2 }),
    fc.constantFrom(0, -0, 2.5, -2.5, 0.49999999999999994),
    ...(type === 'INTEGER' ? [] : [fc.maxSafeInteger(), fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 40 + 0.5)]),
    ...(type === 'DOUBLE' ? [fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)] : []),
  );

/** A column of `rows` drawn values (a pattern repeated), with `fill` or not, with nulls or not (`value` only). */
const columnArb = (rows: number, index: number): fc.Arbitrary<ParquetColumn> =>
  fc.constantFrom<ParquetType>('BIGINT', 'INTEGER', 'DOUBLE', 'VARCHAR', 'BOOLEAN').chain((type) => {
    const valueArb: fc.Arbitrary<ParquetValue> =
      type === 'VARCHAR' ? fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('a,b', "o'q", 'x"y', '')) : type === 'BOOLEAN' ? fc.constantFrom(0, 1) : numberArb(type);
    return fc.record({ pattern: fc.array(valueArb, { minLength: 1, maxLength: 7 }), nulls: fc.boolean(), fill: fc.boolean() }).map(({ pattern, nulls, fill }): ParquetColumn => {
      const at = (row: number): ParquetValue => pattern[(row * 7 + (row >> 11)) % pattern.length]!;
      const name = `c${index} ${type}`;
      const column: ParquetColumn = { name, type, value: (row) => (nulls && row % 5 === 3 ? null : type === 'BOOLEAN' ? at(row) === 1 : at(row)) };
      if (!fill || nulls) return column;
      if (type === 'VARCHAR') {
        const levels = [...new Set(pattern as string[])];
        return { ...column, levels, fill: (start, count, out) => { for (let r = 0; r < count; r++) out[r] = levels.indexOf(at(start + r) as string); } };
      }
      return { ...column, fill: (start, count, out) => { for (let r = 0; r < count; r++) out[r] = at(start + r) as number; } };
    });
  });

const tableArb: fc.Arbitrary<ParquetTable> = fc
  .tuple(fc.constantFrom(0, 1, 2047, 2048, 2049, 5000), fc.integer({ min: 1, max: 6 }), fc.boolean())
  .chain(([rows, columns, metadata]) =>
    fc.tuple(...Array.from({ length: columns }, (_, i) => columnArb(rows, i))).map((cols): ParquetTable => ({ rows, columns: cols, ...(metadata ? { metadata: { 'balloonsim.seed': "4'2", k: 'v' } } : {}) })),
  );

const params = propertyParams<[ParquetTable]>('a table reads back as 0501cce wrote it, with fill and without', { numRuns: 25 });

describe(`writeParquet against 0501cce's writer ${describeSeed(params.seed)}`, () => {
  const dir = temporaryDirectory('balloonsim-parquet-content-');

  it(params.name, { timeout: 120_000 }, () =>
    assertProperty(
      fc.asyncProperty(tableArb, async (table) => {
        const [reference, filled, generic] = ['reference', 'filled', 'generic'].map((name) => join(dir, `${name}.parquet`)) as [string, string, string];
        await referenceWriteParquet(reference, table);
        await writeParquet([{ path: filled, table }, { path: generic, table: withoutFill(table) }]);
        const [expected, ...written] = await parquetContents([reference, filled, generic]);
        expect(written).toEqual([expected, expected]);
      }),
      params,
    ));

  it('refuses a fill that gives what a BIGINT cannot hold, naming column and row, and leaves no file', async () => {
    const path = join(dir, 'bad.parquet');
    const fill = (bad: number) => (start: number, count: number, out: Float64Array) => {
      for (let r = 0; r < count; r++) out[r] = start + r === 2049 ? bad : 1;
    };
    const table = (bad: number): ParquetTable => ({ rows: 3000, columns: [{ name: 'n', type: 'BIGINT', value: () => 0, fill: fill(bad) }] });
    await expect(writeParquet([{ path, table: table(Number.NaN) }])).rejects.toThrow(new TypeError('writeParquet: column n, row 2049: expected a number, got NaN'));
    await expect(writeParquet([{ path, table: table(2 ** 63) }])).rejects.toThrow(new RangeError(`writeParquet: column n, row 2049: ${2 ** 63} is out of BIGINT's range`));
    const levels = (index: number): ParquetTable => ({ rows: 3000, columns: [{ name: 's', type: 'VARCHAR', value: () => 'a', levels: ['a', 'b'], fill: fill(index) }] });
    await expect(writeParquet([{ path, table: levels(2) }])).rejects.toThrow(new RangeError('writeParquet: column s, row 2049: 2 is no index into its 2 levels'));
    await expect(writeParquet([{ path, table: levels(-1) }])).rejects.toThrow(new RangeError('writeParquet: column s, row 2049: -1 is no index into its 2 levels'));
    const message = `writeParquet: ${path}: column s: a VARCHAR column with fill needs levels (fill gives each row's index into them), and only such a column takes them`;
    await expect(writeParquet([{ path, table: { rows: 1, columns: [{ name: 's', type: 'VARCHAR', value: () => 'x', fill: () => undefined }] } }])).rejects.toThrow(new TypeError(message));
    await expect(writeParquet([{ path, table: { rows: 1, columns: [{ name: 's', type: 'DOUBLE', value: () => 1, levels: ['x'], fill: () => undefined }] } }])).rejects.toThrow(new TypeError(message));
    await expect(writeParquet([{ path, table: { rows: 1, columns: [{ name: 's', type: 'VARCHAR', value: () => 'x', levels: ['x'] }] } }])).rejects.toThrow(new TypeError(message));
    expect(readdirSync(dir).filter((name) => name.includes('bad'))).toEqual([]);
  });
});
