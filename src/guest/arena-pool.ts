/**
 * Release arenas that guests of one thread no longer use, kept for the next
 * guest that needs one of the same length.
 *
 * Why: a balloon that inflates fast in one step fills more than its own
 * arena (its releases of the step need room side by side) and borrows
 * further arenas for the step. Under a policy that squeezes a group of
 * guests at a time, hundreds of guests borrow in the same ticks; made new
 * each time, that was hundreds of megabytes of zeroed memory that the
 * operating system had to back page by page and the collector had to count.
 * The pool hands an arena given back to the next guest that bursts.
 *
 * An arena goes into the pool only once no release still in flight is a view
 * of it: at its guest's next step (ReleaseBatch.newStep), by when the device
 * side has read every release of the step before. What a pooled arena still
 * holds is never read: a batch reads only the frames it wrote. Which arena a
 * guest gets depends on the order guests step in, and changes nothing a run
 * computes.
 */

/** Bytes of arenas a pool keeps at most; what would go beyond is left to the collector. */
export const ARENA_POOL_BYTES_MAX = 64 * 2 ** 20;

export class ArenaPool {
  /** Free arenas by length. */
  private readonly free = new Map<number, Int32Array[]>();
  /** Bytes of the free arenas. */
  bytes = 0;

  constructor(private readonly bytesMax: number = ARENA_POOL_BYTES_MAX) {}

  /** An arena of `length` entries: a free one, or a new one. Its contents are whatever its last user left. */
  take(length: number): Int32Array {
    const arena = this.free.get(length)?.pop();
    if (arena === undefined) return new Int32Array(length);
    this.bytes -= arena.byteLength;
    return arena;
  }

  /** An arena nobody reads any more, for the next `take` of its length (unless the pool is full). */
  give(arena: Int32Array): void {
    if (this.bytes + arena.byteLength > this.bytesMax) return;
    let list = this.free.get(arena.length);
    if (list === undefined) this.free.set(arena.length, (list = []));
    list.push(arena);
    this.bytes += arena.byteLength;
  }
}

/** The pool of the guests of this thread (they step one at a time; each thread has its own copy of this module). */
export const threadArenaPool = new ArenaPool();
