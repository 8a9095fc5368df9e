/**
 * Writes one state into a run of a guest's page-state bytes. Short runs go
 * four bytes at a time in a loop: the bytes up to a 4-byte boundary one by
 * one, then whole words of four equal bytes, then the rest. Long runs go
 * through `WideFill`, a runtime fill eight bytes a store.
 *
 * Why: most page moves are runs of tens to hundreds of pages (a balloon's
 * batch, a grant, a growth; 254 pages on average in stress-1000), and each
 * page's state is a byte of shared memory, where V8 writes a Uint8Array a
 * byte a store. Measured on Node 20: a loop over bytes costs about 0.9 ns a
 * byte; WideFill about 50 ns a call and then 0.04 ns a byte; the word loop
 * about 0.2 ns a byte and no call. With the states in the cache the word loop
 * is cheaper up to about 200 bytes, but a run's states are mostly not in the
 * cache, and in stress-1000 the word loop up to 1024 pages cost least
 * (putRun and its fills 0.76 s with 192, 0.61 s with 1024 or 4096). A reader
 * on another thread (the auditor) sees each byte old or new, as with `fill`.
 */
import { WideFill } from '../util/wide-fill.js';

/** Runs of at most this many pages are written by the word loop, longer ones by WideFill. */
const WORD_LOOP_PAGES_MAX = 1024;

export class PageStateRuns {
  /** The same memory as `bytes`, as words: word `w` holds bytes `wordBase + 4w` to `wordBase + 4w + 3`. */
  private readonly words: Int32Array;
  /** The first byte of `bytes` on a 4-byte boundary of its buffer (0 to 3). */
  private readonly wordBase: number;
  private readonly wide: WideFill;

  constructor(private readonly bytes: Uint8Array) {
    const firstWordByte = Math.ceil(bytes.byteOffset / 4) * 4;
    const wordCount = Math.max(0, Math.floor((bytes.byteOffset + bytes.length - firstWordByte) / 4));
    // Bytes too few for a whole word (tests' tiny guests) are written one by one.
    this.words = wordCount > 0 ? new Int32Array(bytes.buffer, firstWordByte, wordCount) : new Int32Array(0);
    this.wordBase = firstWordByte - bytes.byteOffset;
    this.wide = new WideFill(bytes);
  }

  /** Sets bytes `low` to `high - 1` to `value` (0 to 127). */
  fill(value: number, low: number, high: number): void {
    if (high - low > WORD_LOOP_PAGES_MAX) {
      this.wide.fill(value, low, high);
      return;
    }
    const bytes = this.bytes;
    const wordBase = this.wordBase;
    let page = low;
    while (page < high && ((page - wordBase) & 3) !== 0) bytes[page++] = value;
    const wordCount = (high - page) >> 2;
    if (wordCount > 0) {
      const words = this.words;
      const pattern = value * 0x01010101;
      const first = (page - wordBase) >> 2;
      for (let word = first; word < first + wordCount; word++) words[word] = pattern;
      page += wordCount << 2;
    }
    while (page < high) bytes[page++] = value;
  }
}
