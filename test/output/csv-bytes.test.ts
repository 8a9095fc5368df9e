/** Unit tests of src/output/csv-bytes.ts: text written in chunks is the text, whatever the chunk size. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvText, CsvChunkWriter, writeCsvFile } from '../../src/output/csv-bytes.js';
import { formatCsvNumber } from '../../src/output/csv-numbers.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

/** One call on the writer, with the text it stands for. */
type Op = { kind: 'number'; value: number } | { kind: 'bytes'; text: string } | { kind: 'ascii'; text: string } | { kind: 'comma' } | { kind: 'newline' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), fc.constantFrom(-(2 ** 53) + 1, 1e-7, 0.1 + 0.2)).map((value): Op => ({ kind: 'number', value })),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((text): Op => ({ kind: 'bytes', text })),
  fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).map((text): Op => ({ kind: 'ascii', text })),
  fc.constant<Op>({ kind: 'comma' }),
  fc.constant<Op>({ kind: 'newline' }),
);

function apply(out: CsvChunkWriter, op: Op): void {
  if (op.kind === 'number') out.number(op.value);
  else if (op.kind === 'bytes') out.bytes(Buffer.from(op.text));
  else if (op.kind === 'ascii') out.ascii(op.text);
  else if (op.kind === 'comma') out.comma();
  else out.newline();
}

function textOf(op: Op): string {
  return op.kind === 'number' ? formatCsvNumber(op.value) : op.kind === 'comma' ? ',' : op.kind === 'newline' ? '\n' : op.text;
}

const params = propertyParams<[Op[], number]>('the chunks joined are the text, and no chunk is larger than asked unless one piece is', { numRuns: 300 });

describe(`CsvChunkWriter ${describeSeed(params.seed)}`, () => {
  it(params.name, () =>
    assertProperty(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 48 }), (ops, chunkBytes) => {
        const chunks: Buffer[] = [];
        const out = new CsvChunkWriter((bytes) => chunks.push(Buffer.from(bytes)), chunkBytes);
        for (const op of ops) apply(out, op);
        out.end();
        expect(Buffer.concat(chunks).toString('utf8')).toBe(ops.map(textOf).join(''));
        const piecesMax = Math.max(chunkBytes, 17, ...ops.map((op) => Buffer.byteLength(textOf(op))));
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(piecesMax);
        }
      }),
      params,
    ));

  it('csvText and writeCsvFile give the same text', () => {
    const write = (out: CsvChunkWriter): void => {
      out.ascii('a,b');
      out.newline();
      for (let i = 0; i < 100_000; i++) {
        out.number(i * 4097.5);
        out.comma();
      }
      out.bytes(Buffer.from('größe'));
    };
    const path = join(temporaryDirectory('balloonsim-csv-bytes-'), 'x.csv');
    writeCsvFile(path, write);
    const text = csvText(write);
    expect(text.endsWith(',größe')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});
