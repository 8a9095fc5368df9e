import type { FrameTable } from '../frame-table.js';
import { freeOwnerOfShard, OWNER_FREE } from '../owners.js';
import type { RunList } from '../frame-runs.js';

/**
 * The free frames of one shard of guests: the pool its guests' device sides
 * grant from and give back to, on the thread that hosts the shard. No other
 * thread touches it; the memory manager moves frames between shards by
 * orders the owning thread carries out (`surrender`, `adopt`).
 *
 * It holds frames of two kinds:
 * - untouched ranges [start, end): frames never used since the shard got them
 *   (at boot, or adopted from the manager). They are OWNER_FREE in the table
 *   and held by bookkeeping alone, so that handing a shard a billion frames
 *   costs nothing; a grant takes them from the low end of the newest range.
 * - runs (first, count) of frames given back by guests, marked with the
 *   shard's free value in the table (owners.ts). A grant takes them first,
 *   the newest first (LIFO, as the host always did), so that frames a guest
 *   just gave back are the next ones handed out.
 *
 * Every frame a grant hands out changes owner by one compare-exchange, from
 * the value the pool expects (the shard's free value, or OWNER_FREE): a frame
 * the table says is not free fails the exchange, is counted as a transfer
 * failure (the table keeps its owner) and is dropped from the pool.
 */
export class ShardPool {
  /** The table value of this pool's given-back frames. */
  readonly freeOwner: number;
  /** Stack of runs of given-back frames: pairs (first, count). */
  private runs: Int32Array<ArrayBuffer> = new Int32Array(64);
  private runWords = 0;
  private runFrames = 0;
  /** Stack of untouched ranges: pairs (start, end). */
  private ranges: Int32Array<ArrayBuffer> = new Int32Array(8);
  private rangeWords = 0;
  private rangeFrames = 0;
  /** Frames granted and given back since the last `takeFlow`, for the manager's rebalancing. */
  private granted = 0;
  private returned = 0;

  constructor(
    readonly shard: number,
    private readonly table: FrameTable,
  ) {
    this.freeOwner = freeOwnerOfShard(shard);
  }

  /** Free frames in the pool. */
  get size(): number {
    return this.runFrames + this.rangeFrames;
  }

  /** Frames held in untouched ranges (OWNER_FREE in the table). */
  get untouchedFrames(): number {
    return this.rangeFrames;
  }

  /** Frames held as given-back runs (the shard's free value in the table). */
  get returnedFrames(): number {
    return this.runFrames;
  }

  /** Frames granted and given back since the last call. */
  takeFlow(): { granted: number; returned: number } {
    const flow = { granted: this.granted, returned: this.returned };
    this.granted = 0;
    this.returned = 0;
    return flow;
  }

  /**
   * Takes a range of OWNER_FREE frames by bookkeeping (at boot, or from the
   * manager's transit): `count` frames from `first`.
   */
  adopt(first: number, count: number): void {
    if (!(Number.isSafeInteger(first) && Number.isSafeInteger(count) && first >= 0 && count >= 0 && first + count <= this.table.frames)) {
      throw new RangeError(`ShardPool.adopt: [${first}, ${first + count}) is not a range of the table's ${this.table.frames} frames`);
    }
    if (count === 0) return;
    const words = this.rangeWords;
    if (words > 0 && this.ranges[words - 1] === first) {
      this.ranges[words - 1] = first + count;
    } else {
      if (words + 2 > this.ranges.length) this.ranges = grow(this.ranges);
      this.ranges[words] = first;
      this.ranges[words + 1] = first + count;
      this.rangeWords = words + 2;
    }
    this.rangeFrames += count;
  }

  /**
   * Adds a frame a guest gave back, which the caller has just moved to this
   * pool's free value with a compare-exchange.
   */
  putBack(frame: number): void {
    this.returned++;
    this.runFrames++;
    const words = this.runWords;
    if (words > 0) {
      const first = this.runs[words - 2]!;
      const count = this.runs[words - 1]!;
      if (frame === first + count) {
        this.runs[words - 1] = count + 1;
        return;
      }
      if (frame === first - 1) {
        this.runs[words - 2] = frame;
        this.runs[words - 1] = count + 1;
        return;
      }
    }
    if (words + 2 > this.runs.length) this.runs = grow(this.runs);
    this.runs[words] = frame;
    this.runs[words + 1] = 1;
    this.runWords = words + 2;
  }

  /**
   * `putBack` for frames `first`, `first + step`, ... (`count` of them, `step`
   * 1 or -1), in that order: the same runs as one `putBack` each, in O(1).
   */
  putBackRun(first: number, count: number, step: 1 | -1): void {
    if (count <= 0) return;
    this.putBack(first);
    const rest = count - 1;
    if (rest === 0) return;
    // `first` now sits at one end of the last run: the rest extends it if they go on from that end.
    const words = this.runWords;
    const runFirst = this.runs[words - 2]!;
    if (step === 1 && runFirst + this.runs[words - 1]! - 1 === first) {
      this.runs[words - 1]! += rest;
    } else if (step === -1 && runFirst === first) {
      this.runs[words - 2] = first - rest;
      this.runs[words - 1]! += rest;
    } else {
      // `first` joined the last run at its other end, so the rest repeat that run's frames (a pool
      // that is not consistent, which the audit reports): one at a time, as putBack takes them.
      for (let k = 1; k < count; k++) this.putBack(first + k * step);
      return;
    }
    this.returned += rest;
    this.runFrames += rest;
  }

  /**
   * Gives up to `count` frames to `ownerId`, each by a compare-exchange from
   * the value the pool expects; appends what it gave to `out` as runs and
   * returns how many it gave.
   */
  grant(ownerId: number, count: number, out: RunList): number {
    let given = 0;
    while (given < count && this.runWords > 0) {
      const take = this.popNewest(count - given);
      given += this.table.transferRange(this.poppedFrom, take, this.freeOwner, ownerId, out);
    }
    while (given < count && this.rangeWords > 0) {
      const words = this.rangeWords;
      const start = this.ranges[words - 2]!;
      const end = this.ranges[words - 1]!;
      const take = Math.min(end - start, count - given);
      if (take === end - start) this.rangeWords = words - 2;
      else this.ranges[words - 2] = start + take;
      this.rangeFrames -= take;
      given += this.table.transferRange(start, take, OWNER_FREE, ownerId, out);
    }
    this.granted += given;
    return given;
  }

  /**
   * Hands up to `count` frames to the memory manager: untouched ranges first
   * (bookkeeping only), then given-back runs (each moved to OWNER_FREE by a
   * compare-exchange). Appends them to `out` and returns how many.
   */
  surrender(count: number, out: RunList): number {
    let given = 0;
    while (given < count && this.rangeWords > 0) {
      const words = this.rangeWords;
      const start = this.ranges[words - 2]!;
      const end = this.ranges[words - 1]!;
      const take = Math.min(end - start, count - given);
      if (take === end - start) this.rangeWords = words - 2;
      else this.ranges[words - 1] = end - take;
      this.rangeFrames -= take;
      out.add(end - take, take);
      given += take;
    }
    while (given < count && this.runWords > 0) {
      const take = this.popNewest(count - given);
      given += this.table.transferRange(this.poppedFrom, take, this.freeOwner, OWNER_FREE, out);
    }
    return given;
  }

  /** The first frame `popNewest` took. */
  private poppedFrom = 0;

  /**
   * Takes up to `max` of the newest given-back frames off the top run (its
   * high end) and returns how many; they start at `poppedFrom`. The table is
   * the caller's to change.
   */
  private popNewest(max: number): number {
    const words = this.runWords;
    const first = this.runs[words - 2]!;
    const runCount = this.runs[words - 1]!;
    const take = Math.min(runCount, max);
    this.poppedFrom = first + runCount - take;
    if (take === runCount) this.runWords = words - 2;
    else this.runs[words - 1] = runCount - take;
    this.runFrames -= take;
    return take;
  }

  /** The runs of given-back frames, (first, count) pairs: a view for audits, valid until the pool changes. */
  returnedRuns(): Int32Array {
    return this.runs.subarray(0, this.runWords);
  }

  /** The untouched ranges, (start, end) pairs: a view for audits, valid until the pool changes. */
  untouchedRanges(): Int32Array {
    return this.ranges.subarray(0, this.rangeWords);
  }
}

function grow(words: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(words.length * 2);
  grown.set(words);
  return grown;
}
