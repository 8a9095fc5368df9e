/**
 * CSV text made as bytes: rows are formatted straight into a reusable
 * chunk, which is handed to a sink (a file being written) whenever it is
 * full, so that a 100 MB timeseries.csv is neither built as one string nor
 * encoded afterwards. Numbers are written as `formatCsvNumber` writes them
 * (see csv-numbers.ts).
 */
import { writeFileAtomicChunks, type ByteSink } from './atomic-file.js';
import { CSV_NUMBER_FAST_BYTES_MAX, formatCsvNumber, writeCsvNumberFast } from './csv-numbers.js';

/** Bytes of a chunk: large enough that a write per chunk costs little, small enough to stay in the cache. */
const CHUNK_BYTES = 256 * 1024;

const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** Writes text into chunks of bytes, handing each full chunk to a sink. */
export class CsvChunkWriter {
  private chunk: Buffer;
  private at = 0;

  /** @param sink receives each full chunk (and the last part at `end`); it must be done with the bytes when it returns, as the chunk is reused */
  constructor(
    private readonly sink: ByteSink,
    chunkBytes = CHUNK_BYTES,
  ) {
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  /** Makes room for `bytes` more bytes, handing the chunk to the sink first when they do not fit. */
  private reserve(bytes: number): void {
    if (this.at + bytes <= this.chunk.length) return;
    this.flush();
    if (bytes > this.chunk.length) this.chunk = Buffer.allocUnsafe(bytes);
  }

  private flush(): void {
    if (this.at === 0) return;
    this.sink(this.chunk.subarray(0, this.at));
    this.at = 0;
  }

  /** Bytes as they are (text encoded once, such as a guest's name). */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.chunk.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** Text of one-byte characters, such as a number or a word as `String` writes it (copied here: short text is slow through Buffer.write). */
  ascii(text: string): void {
    this.reserve(text.length);
    const chunk = this.chunk;
    for (let i = 0; i < text.length; i++) chunk[this.at++] = text.charCodeAt(i);
  }

  /** One character of one byte (its code). */
  byte(code: number): void {
    this.reserve(1);
    this.chunk[this.at++] = code;
  }

  comma(): void {
    this.byte(COMMA);
  }

  newline(): void {
    this.byte(NEWLINE);
  }

  /** A number as `formatCsvNumber` writes it. */
  number(value: number): void {
    this.reserve(CSV_NUMBER_FAST_BYTES_MAX);
    const end = writeCsvNumberFast(this.chunk, this.at, value);
    if (end >= 0) this.at = end;
    else this.ascii(formatCsvNumber(value));
  }

  /** Hands what is left to the sink. */
  end(): void {
    this.flush();
  }
}

/** Everything `write` writes, as one string (for the functions that return the CSV as text). */
export function csvText(write: (out: CsvChunkWriter) => void): string {
  const pieces: Buffer[] = [];
  const out = new CsvChunkWriter((bytes) => pieces.push(Buffer.from(bytes)));
  write(out);
  out.end();
  return Buffer.concat(pieces).toString('utf8');
}

/** Writes what `write` writes to `path`, chunk by chunk, through a temporary file and a rename (see atomic-file.ts). */
export function writeCsvFile(path: string, write: (out: CsvChunkWriter) => void): void {
  writeFileAtomicChunks(path, (sink) => {
    const out = new CsvChunkWriter(sink);
    write(out);
    out.end();
  });
}
