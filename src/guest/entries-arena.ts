/**
 * Where workload components' logical entries live: a region of a large
 * buffer for each component, as long as the most logical pages its size
 * curve reaches, taken once and kept (component.ts). Their out-lists take a
 * region of it too, at the first page out (out-lists.ts).
 *
 * Why: entries made as arrays of their own, grown and shrunk with the
 * component, were stress-1000's largest source of memory churn outside the
 * JavaScript heap: a thousand guests' components needed about 440 KB of
 * entries each (1,308 arrays, 580 MB, nearly all the first growth to
 * working size), and shrinks and regrowths made 500 more. Every one was
 * memory glibc cleared (`calloc`) or mapped afresh, then the old entries
 * were copied over (about 0.6 s), and the runtime, which counts such
 * memory, started a full collection for every 64 MB or so of it, with
 * little to collect (19 full collections a run; 11 or 12 with the arena). A
 * region of a buffer that comes fresh from `mmap` is backed by the
 * operating system only where the component writes, is never copied, and
 * the buffers are a few large allocations.
 *
 * What a component leaves in its region past its size is never read: its
 * entries are written before they are read (component.ts), as they were in
 * arrays of their own, which also kept stale entries past the size after a
 * shrink.
 *
 * Buffers are shared memory only for how they are allocated: a
 * SharedArrayBuffer of this size comes from `mmap` (page-map-arena.ts), and
 * the run started fewer full collections with them than with plain buffers
 * of 64 MiB (12 against 15). Each thread has its own arena (its own copy of
 * this module), and a region is used by the guest that took it, only.
 * Each run starts new buffers (`retire`).
 */

/**
 * Bytes of one buffer of the arena: above glibc's largest mmap threshold
 * (32 MiB), so it comes fresh from `mmap`. (Buffers of 256 MiB made no
 * fewer full collections on stress-1000: 11 or 12 either way.)
 */
const BUFFER_BYTES = 64 * 2 ** 20;
/** Regions start on cache lines (64 bytes, 16 entries). */
const REGION_ALIGN_ENTRIES = 16;

export class EntriesArena {
  private buffer: SharedArrayBuffer | null = null;
  /** Where the next region of `buffer` starts, in bytes. */
  private at = 0;
  /** Buffers made so far (for tests). */
  buffers = 0;

  constructor(private readonly bufferBytes: number = BUFFER_BYTES) {}

  /**
   * A region of `length` entries, zero, for the caller alone. A region
   * longer than a quarter of a buffer gets a buffer of its own.
   */
  take(length: number): Int32Array {
    if (!(Number.isSafeInteger(length) && length > 0)) throw new RangeError(`EntriesArena.take: length must be a positive whole number, got ${length}`);
    const bytes = Math.ceil(length / REGION_ALIGN_ENTRIES) * REGION_ALIGN_ENTRIES * Int32Array.BYTES_PER_ELEMENT;
    if (bytes > this.bufferBytes / 4) {
      this.buffers++;
      return new Int32Array(new SharedArrayBuffer(Math.max(bytes, this.bufferBytes)), 0, length);
    }
    if (this.buffer === null || this.at + bytes > this.buffer.byteLength) {
      this.buffer = new SharedArrayBuffer(this.bufferBytes);
      this.buffers++;
      this.at = 0;
    }
    const region = new Int32Array(this.buffer, this.at, length);
    this.at += bytes;
    return region;
  }

  /**
   * Takes no more regions from the current buffer: the next one starts a
   * buffer of its own. A run calls it when it makes its guests, so that a
   * finished run's buffers hold none of a later run's regions and go when
   * its guests go (sweeps run case after case on one thread).
   */
  retire(): void {
    this.buffer = null;
  }
}

/** The arena of this thread's guests (they step one at a time; each thread has its own copy of this module). */
export const threadEntriesArena = new EntriesArena();
