/**
 * The logical pages of one workload component that are out (in swap for
 * anonymous memory, dropped for page cache), in one list per touch-rate
 * bucket, so that faults can be drawn per bucket in O(faults). An out page's
 * logical entry is `-(slot + 1)`, `slot` being its place in its bucket's list.
 *
 * Where the lists live: given room (`arenaRoom`, the most pages each bucket
 * can hold while the component stays within the size its curve reaches),
 * they take one region of the thread's entries arena at the first page out,
 * a slice per bucket, and keep it: no copies as they grow, and no memory
 * outside the heap made and dropped (lists of their own grew by a quarter at
 * a time: on stress-1000 20,656 growths, 512 MB over the run, and the full
 * collections that memory starts). A bucket that outgrows its slice (a
 * component grown past its curve by hand, in tests) goes on in a list of its
 * own, as all lists did before.
 */
import { BUCKETS, type AccessPattern } from './access-pattern.js';
import { threadEntriesArena } from './entries-arena.js';

/** Arrays grow by a quarter, so that spare capacity stays within a quarter of the pages (memory budget). */
export function grownCapacity(current: number, needed: number, minimum: number): number {
  return Math.max(needed, minimum, current + (current >> 2));
}

export class OutLists {
  /** Each bucket's list of out logical pages; its first `counts[bucket]` entries are in use. */
  readonly lists: Int32Array[] = [];
  readonly counts = new Int32Array(BUCKETS);
  /** Each bucket's room in the arena (`arenaRoom`), or null: lists of their own. */
  private room: Int32Array | null = null;
  /** Whether the lists have taken their region (at the first page out). */
  private placed = false;
  /** 1 for a bucket whose list is its slice of the region. */
  private readonly inRegion = new Uint8Array(BUCKETS);
  /** The most pages each bucket has held: how much of its slice has been written (the footprint). */
  private readonly peaks = new Int32Array(BUCKETS);

  constructor() {
    for (let bucket = 0; bucket < BUCKETS; bucket++) this.lists.push(new Int32Array(0));
  }

  /** Gives the lists `room[bucket]` pages each in the arena, taken as one region at the first page out. */
  arenaRoom(room: ArrayLike<number>): void {
    if (room.length !== BUCKETS || !Array.from(room).every((pages) => Number.isSafeInteger(pages) && pages >= 0)) {
      throw new RangeError(`OutLists.arenaRoom: room must be ${BUCKETS} whole numbers of pages, got [${Array.from(room).join(', ')}]`);
    }
    if (this.placed) throw new Error('OutLists.arenaRoom: the lists have taken their place already');
    this.room = Int32Array.from(room);
  }

  /** Out pages in every bucket. */
  get total(): number {
    let out = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) out += this.counts[bucket]!;
    return out;
  }

  /** Bytes of the lists (for the memory budget): of a slice of the region, what has been written of it (the rest is never backed). */
  get bytes(): number {
    let bytes = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      bytes += this.inRegion[bucket] === 1 ? this.peaks[bucket]! * Int32Array.BYTES_PER_ELEMENT : this.lists[bucket]!.byteLength;
    }
    return bytes;
  }

  /** Puts out logical page `index` at the end of `bucket`'s list, and its slot in its entry of `logical`. */
  add(logical: Int32Array, index: number, bucket: number): void {
    let list = this.lists[bucket]!;
    const count = this.counts[bucket]!;
    if (count === list.length) list = this.grow(bucket);
    list[count] = index;
    logical[index] = -(count + 1);
    this.counts[bucket] = count + 1;
    if (count >= this.peaks[bucket]!) this.peaks[bucket] = count + 1;
  }

  /** Room for one more page in `bucket`'s full list: the region's slices the first time, else a list of its own a quarter longer. */
  private grow(bucket: number): Int32Array {
    if (!this.placed && this.room !== null) {
      this.place(this.room);
      // No bucket had a page before its first growth: a slice with room is the list.
      if (this.inRegion[bucket] === 1) return this.lists[bucket]!;
    }
    const list = this.lists[bucket]!;
    const grown = new Int32Array(grownCapacity(list.length, list.length + 1, 256));
    grown.set(list);
    this.lists[bucket] = grown;
    this.inRegion[bucket] = 0;
    return grown;
  }

  /** Takes one region for every bucket's room and gives each (none has a page yet) its slice. */
  private place(room: Int32Array): void {
    this.placed = true;
    let total = 0;
    for (const pages of room) total += pages;
    if (total === 0) return;
    const region = threadEntriesArena.take(total);
    let at = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const pages = room[bucket]!;
      if (pages > 0) {
        this.lists[bucket] = region.subarray(at, at + pages);
        this.inRegion[bucket] = 1;
      }
      at += pages;
    }
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

/**
 * The most out pages each bucket can hold while the component's size stays
 * within `roomPages`: its width at that size, plus one. (A hot bucket's
 * bounds are floors of fractions of the hot part, which grows with the size,
 * so its width at a smaller size is at most one more than at the room; the
 * cold bucket, the size less the hot part, never shrinks as the size grows.)
 */
export function outRoom(pattern: AccessPattern, roomPages: number): number[] {
  const hot = pattern.hotPages(roomPages);
  const room: number[] = [];
  for (let bucket = 0; bucket < BUCKETS; bucket++) room.push(pattern.bucketEnd(bucket, hot, roomPages) - pattern.bucketStart(bucket, hot) + 1);
  return room;
}
