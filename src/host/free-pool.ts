/**
 * The host's pool of free frames. A swappable strategy behind a tiny
 * interface, so that other pools (ranges, bitmaps) can be benchmarked
 * against this one. The pool only remembers frame numbers: the ownership
 * table is the truth about who owns a frame, and the auditor checks that
 * every pooled frame is free in the table and pooled once.
 */
export interface FreePool {
  /** Frames in the pool. */
  readonly size: number;
  /** Adds a frame that has just become free. */
  push(frame: number): void;
  /** Takes a frame out of the pool, or returns -1 if it is empty. */
  pop(): number;
  /**
   * The pooled frames, for audits: a view that stays valid until the pool
   * next changes. With `untouched`, the frames of that range are pooled too
   * and are not in this view.
   */
  contents(): Int32Array;
  /** A range [start, end) of frames pooled without being listed one by one (never handed out since boot). */
  untouched?(): { start: number; end: number };
}

/** A LIFO stack of frame numbers in one `Int32Array`: 4 bytes per frame, O(1) push and pop. */
export class StackFreePool implements FreePool {
  private readonly stack: Int32Array;
  private top = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`StackFreePool: capacity must be a non-negative integer, got ${capacity}`);
    }
    this.stack = new Int32Array(capacity);
  }

  get size(): number {
    return this.top;
  }

  push(frame: number): void {
    if (this.top >= this.stack.length) {
      throw new Error(`StackFreePool.push: pool is full (${this.stack.length} frames); frame ${frame} pushed twice?`);
    }
    this.stack[this.top++] = frame;
  }

  pop(): number {
    if (this.top === 0) return -1;
    return this.stack[--this.top]!;
  }

  contents(): Int32Array {
    return this.stack.subarray(0, this.top);
  }
}
