import type { FreePool } from './free-pool.js';

/**
 * The host's default free pool: the frames never handed out since boot are a
 * range [next, end), handed out from low to high; frames given back go on a
 * stack and are handed out again first (LIFO). It hands frames out in
 * exactly the order of a StackFreePool filled from high to low at boot, but
 * it costs nothing to create and its memory is touched only by frames that
 * come back: on a host of a billion frames that matters (4 bytes a frame).
 */
export class RangeFreePool implements FreePool {
  private readonly stack: Int32Array;
  private top = 0;
  private next: number;

  /** A pool holding every frame of [start, end), with room for `capacity` frames given back. */
  constructor(
    capacity: number,
    start: number,
    private readonly end: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`RangeFreePool: capacity must be a non-negative integer, got ${capacity}`);
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end - start <= capacity)) {
      throw new RangeError(`RangeFreePool: the range [${start}, ${end}) must be whole numbers within a capacity of ${capacity}`);
    }
    // Zero-filled memory the kernel maps only when written: untouched until frames come back.
    this.stack = new Int32Array(capacity);
    this.next = start;
  }

  get size(): number {
    return this.top + (this.end - this.next);
  }

  push(frame: number): void {
    if (this.size >= this.stack.length) {
      throw new Error(`RangeFreePool.push: pool is full (${this.stack.length} frames); frame ${frame} pushed twice?`);
    }
    this.stack[this.top++] = frame;
  }

  pop(): number {
    if (this.top > 0) return this.stack[--this.top]!;
    if (this.next < this.end) return this.next++;
    return -1;
  }

  contents(): Int32Array {
    return this.stack.subarray(0, this.top);
  }

  untouched(): { start: number; end: number } {
    return { start: this.next, end: this.end };
  }
}
