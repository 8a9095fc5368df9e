/**
 * `fill` of a byte array, eight bytes a store. On memory shared between
 * threads (a SharedArrayBuffer, a shared WebAssembly memory) V8 fills a
 * Uint8Array a byte at a time, each byte a store of its own: 18 ms for
 * 64 MiB here, against 3 ms through a BigUint64Array over the same bytes
 * (6 ms through a Uint32Array). A guest's page states are such an array, and
 * its boot and its balloon's large runs fill them.
 */
/** The eight-byte pattern of each byte value, made when first needed (a BigInt made per call would be garbage). */
const PATTERNS: Array<bigint | undefined> = new Array(256);

function patternOf(value: number): bigint {
  const byte = value & 0xff;
  return (PATTERNS[byte] ??= BigInt(byte) * 0x0101010101010101n);
}

export class WideFill {
  private readonly words: BigUint64Array;
  /** Index in `bytes` of the first byte of `words` (the first 8-byte boundary of the buffer at or after the array's start). */
  private readonly head: number;

  constructor(private readonly bytes: Uint8Array) {
    this.head = (8 - (bytes.byteOffset % 8)) % 8;
    const words = Math.max(0, Math.floor((bytes.length - this.head) / 8));
    this.words = words === 0 ? new BigUint64Array(0) : new BigUint64Array(bytes.buffer, bytes.byteOffset + this.head, words);
  }

  /** Sets bytes [from, to) to `value` (0..255), as `bytes.fill(value, from, to)` would. */
  fill(value: number, from: number, to: number): void {
    const bytes = this.bytes;
    const head = this.head;
    // The whole words inside [from, to); the bytes around them one by one.
    const firstWord = Math.max(0, Math.ceil((from - head) / 8));
    const endWord = Math.min(this.words.length, Math.floor((to - head) / 8));
    if (endWord <= firstWord) {
      for (let i = from; i < to; i++) bytes[i] = value;
      return;
    }
    const wordsFrom = head + firstWord * 8;
    const wordsTo = head + endWord * 8;
    for (let i = from; i < wordsFrom; i++) bytes[i] = value;
    this.words.fill(patternOf(value), firstWord, endWord);
    for (let i = wordsTo; i < to; i++) bytes[i] = value;
  }
}
