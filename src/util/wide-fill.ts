/**
 * `fill` of a byte array in shared memory, several bytes a store. On memory
 * shared between threads (a SharedArrayBuffer, a shared WebAssembly memory)
 * V8 writes a Uint8Array a byte a store, `fill` included: 18 ms for 64 MiB
 * here, against 3 ms through a BigUint64Array over the same bytes. A guest's
 * page states are such an array; its boot, its balloon and its workload
 * write runs of them.
 *
 * Two ways, by the length of the run. Short runs (most page moves are runs
 * of tens to hundreds of pages; 254 on average in stress-1000) go four bytes
 * a store in a loop: about 0.2 ns a byte and no call, where a loop over bytes
 * costs about 0.9 ns a byte. Long runs go through the runtime's `fill` of a
 * BigUint64Array: about 50 ns a call, then 0.04 ns a byte. A run's states are
 * mostly not in the cache, and in stress-1000 the loop up to 1,024 bytes cost
 * least (the states' writes 0.76 s with 192, 0.61 s with 1,024 or 4,096). In
 * both, the bytes before the first whole word and after the last go one by
 * one; a reader on another thread (the auditor) sees each byte old or new,
 * as with `fill`.
 */

/** Runs of at most this many bytes go by the loop of four-byte stores, longer ones by the eight-byte `fill`. */
const WORD_LOOP_BYTES_MAX = 1024;

/** The eight-byte pattern of each byte value, made when first needed (a BigInt made per call would be garbage). */
const PATTERNS: Array<bigint | undefined> = new Array(256);

function patternOf(value: number): bigint {
  const byte = value & 0xff;
  return (PATTERNS[byte] ??= BigInt(byte) * 0x0101010101010101n);
}

export class WideFill {
  /** The same memory as `bytes`, as words: word `w` holds bytes `base4 + 4w` to `base4 + 4w + 3`. */
  private readonly words4: Int32Array;
  /** The first byte of `bytes` on a 4-byte boundary of its buffer (0 to 3). */
  private readonly base4: number;
  /** The same as eight-byte words, from `base8`, the first byte on an 8-byte boundary (0 to 7). */
  private readonly words8: BigUint64Array;
  private readonly base8: number;

  constructor(private readonly bytes: Uint8Array) {
    this.base4 = (4 - (bytes.byteOffset % 4)) % 4;
    const count4 = Math.max(0, Math.floor((bytes.length - this.base4) / 4));
    this.words4 = count4 === 0 ? new Int32Array(0) : new Int32Array(bytes.buffer, bytes.byteOffset + this.base4, count4);
    this.base8 = (8 - (bytes.byteOffset % 8)) % 8;
    const count8 = Math.max(0, Math.floor((bytes.length - this.base8) / 8));
    this.words8 = count8 === 0 ? new BigUint64Array(0) : new BigUint64Array(bytes.buffer, bytes.byteOffset + this.base8, count8);
  }

  /** Sets bytes [from, to) to `value` (0..255), as `bytes.fill(value, from, to)` would. */
  fill(value: number, from: number, to: number): void {
    if (to - from > WORD_LOOP_BYTES_MAX) this.fillLong(value, from, to);
    else this.fillShort(value, from, to);
  }

  /** A short run: four bytes a store, in a loop. */
  private fillShort(value: number, from: number, to: number): void {
    const bytes = this.bytes;
    const base = this.base4;
    let at = from;
    while (at < to && ((at - base) & 3) !== 0) bytes[at++] = value;
    // Whole words from `at` (on a boundary) up to `to`, all inside `words4` since `to` is inside `bytes`.
    const count = (to - at) >> 2;
    if (count > 0) {
      const words = this.words4;
      const pattern = value * 0x01010101;
      const first = (at - base) >> 2;
      for (let word = first; word < first + count; word++) words[word] = pattern;
      at += count << 2;
    }
    while (at < to) bytes[at++] = value;
  }

  /** A long run: the whole eight-byte words inside it by the runtime's fill, the bytes around them one by one. */
  private fillLong(value: number, from: number, to: number): void {
    const bytes = this.bytes;
    const base = this.base8;
    const firstWord = Math.max(0, Math.ceil((from - base) / 8));
    const endWord = Math.min(this.words8.length, Math.floor((to - base) / 8));
    if (endWord <= firstWord) {
      for (let i = from; i < to; i++) bytes[i] = value;
      return;
    }
    const wordsFrom = base + firstWord * 8;
    const wordsTo = base + endWord * 8;
    for (let i = from; i < wordsFrom; i++) bytes[i] = value;
    this.words8.fill(patternOf(value), firstWord, endWord);
    for (let i = wordsTo; i < to; i++) bytes[i] = value;
  }
}
