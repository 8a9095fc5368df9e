import type { Random } from '../util/random.js';
import { BUCKETS } from './access-pattern.js';

/** A list is compacted when it holds this many more entries than live pages (and at least twice as many). */
const SLACK = 64;

/**
 * The pages of one workload component that the host paged out (host paging),
 * by touch-rate bucket: an exact count per bucket, and a list of logical
 * indexes per bucket from which a touched page is drawn in O(1).
 *
 * Lists are kept lazily: a page that leaves host swap (evicted, freed, moved
 * to another bucket when the component's size changes) only lowers its
 * bucket's count; its list entry goes stale, and is dropped when it is drawn
 * (the caller says whether an index is still a paged-out page of that
 * bucket) or when the list is compacted. So every operation is O(1)
 * amortized, and memory is proportional to the pages paged out.
 */
export class HostSwapLists {
  /** Paged-out pages in each bucket. */
  readonly counts = new Int32Array(BUCKETS);
  /** Paged-out pages in all buckets. */
  total = 0;
  /** Pages of the component touched while paged out, whose swap-in is in flight (reclaim leaves them alone). */
  pending = 0;
  private readonly lists: Int32Array[] = [];
  private readonly lengths = new Int32Array(BUCKETS);
  /** Bytes of the lists, kept as they grow and shrink (read every tick, for every component). */
  private listBytes = 0;

  constructor() {
    for (let bucket = 0; bucket < BUCKETS; bucket++) this.lists.push(new Int32Array(0));
  }

  /** Bytes of the lists (for the memory budget). */
  get bytes(): number {
    return this.listBytes;
  }

  /** Logical page `index` of `bucket` was paged out. */
  add(index: number, bucket: number): void {
    let list = this.lists[bucket]!;
    const length = this.lengths[bucket]!;
    if (length === list.length) {
      const grown = new Int32Array(Math.max(64, length + (length >> 1)));
      grown.set(list);
      this.listBytes += grown.byteLength - list.byteLength;
      this.lists[bucket] = list = grown;
    }
    list[length] = index;
    this.lengths[bucket] = length + 1;
    this.counts[bucket]!++;
    this.total++;
  }

  /** A paged-out page of `bucket` left host swap (its list entry goes stale). */
  remove(bucket: number): void {
    this.counts[bucket]!--;
    this.total--;
  }

  /**
   * Draws a paged-out page of `bucket` at random and takes it off the list
   * (and out of the count). `isLive(index)` says whether a listed index is
   * still a paged-out page of that bucket; stale entries met on the way are
   * dropped. Returns the logical index, or -1 if the bucket has none.
   */
  take(bucket: number, random: Random, isLive: (index: number) => boolean): number {
    const list = this.lists[bucket]!;
    while (this.counts[bucket]! > 0 && this.lengths[bucket]! > 0) {
      const length = this.lengths[bucket]!;
      const slot = random.int(length);
      const index = list[slot]!;
      list[slot] = list[length - 1]!;
      this.lengths[bucket] = length - 1;
      if (!isLive(index)) continue;
      this.counts[bucket]!--;
      this.total--;
      return index;
    }
    return -1;
  }

  /**
   * Drops stale entries (and duplicates) from lists that hold many more
   * entries than live pages. Call once a tick.
   */
  compact(isLive: (index: number, bucket: number) => boolean): void {
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const length = this.lengths[bucket]!;
      const live = this.counts[bucket]!;
      if (length <= 2 * live + SLACK) continue;
      const list = this.lists[bucket]!;
      const seen = new Set<number>();
      let kept = 0;
      for (let i = 0; i < length; i++) {
        const index = list[i]!;
        if (seen.has(index) || !isLive(index, bucket)) continue;
        seen.add(index);
        list[kept++] = index;
      }
      this.lengths[bucket] = kept;
      if (list.length > 4 * (kept + SLACK)) {
        const shrunk = list.slice(0, 2 * (kept + SLACK));
        this.listBytes += shrunk.byteLength - list.byteLength;
        this.lists[bucket] = shrunk;
      }
    }
  }

  /** Listed entries of a bucket (for checks). */
  listed(bucket: number): Int32Array {
    return this.lists[bucket]!.subarray(0, this.lengths[bucket]!);
  }
}
