/**
 * The logical pages of one workload component that are out (in swap for
 * anonymous memory, dropped for page cache), in one list per touch-rate
 * bucket, so that faults can be drawn per bucket in O(faults). An out page's
 * logical entry is `-(slot + 1)`, `slot` being its place in its bucket's list.
 */
import { BUCKETS } from './access-pattern.js';

/** Arrays grow by a quarter, so that spare capacity stays within a quarter of the pages (memory budget). */
export function grownCapacity(current: number, needed: number, minimum: number): number {
  return Math.max(needed, minimum, current + (current >> 2));
}

export class OutLists {
  /** Each bucket's list of out logical pages; its first `counts[bucket]` entries are in use. */
  readonly lists: Int32Array[] = [];
  readonly counts = new Int32Array(BUCKETS);

  constructor() {
    for (let bucket = 0; bucket < BUCKETS; bucket++) this.lists.push(new Int32Array(0));
  }

  /** Out pages in every bucket. */
  get total(): number {
    let out = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) out += this.counts[bucket]!;
    return out;
  }

  /** Bytes of the lists (for the memory budget). */
  get bytes(): number {
    let bytes = 0;
    for (const list of this.lists) bytes += list.byteLength;
    return bytes;
  }

  /** Puts out logical page `index` at the end of `bucket`'s list, and its slot in its entry of `logical`. */
  add(logical: Int32Array, index: number, bucket: number): void {
    let list = this.lists[bucket]!;
    const count = this.counts[bucket]!;
    if (count === list.length) {
      const grown = new Int32Array(grownCapacity(list.length, count + 1, 256));
      grown.set(list);
      this.lists[bucket] = list = grown;
    }
    list[count] = index;
    logical[index] = -(count + 1);
    this.counts[bucket] = count + 1;
  }

  /** Takes out logical page `index` off `bucket`'s list (the last entry fills its slot, and its entry of `logical` follows). */
  remove(logical: Int32Array, index: number, bucket: number): void {
    const list = this.lists[bucket]!;
    const slot = -logical[index]! - 1;
    const last = this.counts[bucket]! - 1;
    const moved = list[last]!;
    if (moved !== index) {
      list[slot] = moved;
      logical[moved] = -(slot + 1);
    }
    this.counts[bucket] = last;
  }
}
