import type { WorkloadComponent } from '../model/scenario.js';
import type { Random } from '../util/random.js';
import { AccessPattern, BUCKETS, COLD_BUCKET } from './access-pattern.js';
import type { GuestMemory } from './guest-memory.js';
import type { PageRuns } from './page-runs.js';
import { HostSwapLists } from './host-swap-lists.js';
import { PageState, type PageStateValue } from './page-state.js';
import { checkComponent } from './component-check.js';
import { threadEntriesArena } from './entries-arena.js';
import { ACTIVE_BIT, BLOCK_SHIFT, GROUP_SHIFT, PAGE_MASK, PGREF_BIT, SEGMENT_SHIFT, YOUNG_BIT, type ComponentPages, type EvictSink, type ScanState } from './component-layout.js';
import { evictCold, shrinkInactive } from './lru.js';
import { grownCapacity, OutLists, outRoom } from './out-lists.js';
import { addResident, forgetResident } from './resident-counts.js';
import { frameOfWord, HOST_SWAPPED, NO_FRAME } from './shared-memory.js';
import type { SizeCurveSampler } from './size-curve.js';
import { UnwrittenTail } from './unwritten-tail.js';

/** Logical pages a component has room for at least. */
const LOGICAL_CAPACITY_MIN = 1024;

/** Runs the unwritten tail may hold before it is written out (which bounds its memory: 12 bytes a run). */
const TAIL_RUNS_MAX = 1024;

/**
 * One workload component's memory: its logical pages (what it has allocated,
 * resident or not), which guest page holds each resident one, and the pages
 * that are out (in swap for anonymous memory, dropped for page cache), kept
 * in one list per touch-rate bucket so that faults can be drawn per bucket
 * in O(faults).
 *
 * A logical entry is `guest page | REF_BIT?` when resident, and `-(slot + 1)`
 * when out, `slot` being its position in its bucket's out-list. That is all
 * the per-page state a component keeps: 4 bytes per logical page, plus 4 per
 * page that is out. The newest pages are kept as runs of guest pages until
 * something reads their entries (unwritten-tail.ts): a growth that is shrunk
 * away again unread costs per run, not per page.
 *
 * Reclaim runs a CLOCK over the logical pages: a page whose REF_BIT is set
 * gets a second chance; otherwise it was touched since the hand last passed
 * with probability 1 - exp(-rate * elapsed), drawn when the hand gets there,
 * and evicted if it was not. Cost is proportional to the pages scanned.
 */
export class Component implements ComponentPages {
  readonly pattern: AccessPattern;
  readonly state: PageStateValue;
  readonly anonymous: boolean;
  /**
   * Logical entries: the first `size - tail.pages` are written; the rest are
   * the tail's. Made only when first written to: a region of the thread's
   * entries arena as long as `roomPages` (kept from then on), or, past that
   * room or without one, an array of `capacity` entries of its own.
   */
  private entries: Int32Array;
  /** The component's region of the arena, once taken (then it is `entries` whenever the size fits it). */
  private region: Int32Array | null = null;
  /** Logical pages the per-segment, per-group and per-block figures have room for (and `entries` of its own, once written to). */
  private capacity = 0;
  /** The newest logical pages, not written into `entries` until something reads them. */
  private readonly tail = new UnwrittenTail();
  size = 0;
  resident = 0;
  /** Hot pages for the current size. */
  hot = 0;
  /** The logical pages that are out, by bucket (out-lists.ts), and their lists and counts. */
  readonly out = new OutLists();
  readonly outLists: Int32Array[] = this.out.lists;
  readonly outCounts: Int32Array = this.out.counts;
  /** When the CLOCK hand last finished each segment (initially: when the segment was first used). */
  segmentPassMs: Float64Array;
  /** Resident pages in each group of 32 logical pages, and in each block of 1024 (for the hands of lru.ts). */
  groupResident: Uint8Array;
  blockResident: Uint16Array;
  /** Resident pages on the active list. */
  activePages = 0;
  /** The inactive list's hand (lru.ts). */
  hand = 0;
  /** The active list's hand (lru.ts). */
  activeHand = 0;
  /** The hand of the balloon's cold scan (reclaim mode), which leaves the LRU state alone. */
  coldHand = 0;
  /** A cold scan found nothing cold in a whole lap: do not look again before this time. */
  coldIdleUntilMs = 0;
  /** While killed: when it comes back (Infinity: never); -1 while alive. */
  deadUntilMs = -1;
  kills = 0;
  /** Where the read stream of a mapped file read in order stands: the logical page after its last readahead window. */
  streamEnd = 0;
  /** log2 of the group of logical pages touched together (touched in order: the readahead window); 0: pages are touched independently. */
  touchGroupShift = 0;
  /** Work it wanted and did since boot, in page touches and first touches (its progress is done / wanted). */
  workWanted = 0;
  workDone = 0;
  /** Resident pages the host paged out behind the guest's back (host paging), by bucket. */
  readonly hostSwap = new HostSwapLists();

  constructor(
    readonly spec: WorkloadComponent,
    readonly sampler: SizeCurveSampler,
    /** Draws this component's faults. */
    readonly random: Random,
    tickMs: number,
    /** The guest's page-to-frame map's words (`frameOfWord`, to tell pages the host paged out); empty where host paging cannot happen. */
    readonly mapWords: Int32Array = new Int32Array(0),
    /** The most logical pages the component reaches (its size curve's largest, in pages): its entries' room in the arena; 0: no room there. */
    private readonly roomPages = 0,
  ) {
    this.pattern = new AccessPattern(spec, tickMs);
    this.anonymous = spec.kind === 'anon';
    this.state = this.anonymous ? PageState.ANON : PageState.CACHE;
    this.entries = new Int32Array(0);
    this.segmentPassMs = new Float64Array(0);
    this.groupResident = new Uint8Array(0);
    this.blockResident = new Uint16Array(0);
    if (roomPages > 0) this.out.arenaRoom(outRoom(this.pattern, roomPages));
  }

  /** The logical entries, `size` of them in use (the unwritten tail written first). */
  get logical(): Int32Array {
    if (this.tail.pages > 0) this.writeTail();
    return this.entries;
  }

  /** Logical pages not written into the entries yet (the unwritten tail's). */
  get unwrittenPages(): number {
    return this.tail.pages;
  }

  private writeTail(): void {
    this.fitEntries();
    this.tail.writeInto(this.entries, this.size - this.tail.pages);
  }

  /**
   * Gives `entries` room for `size` pages, keeping the written ones (before
   * writing past them): the arena's region when the size fits the room (taken
   * the first time), else entries of its own for `capacity` pages (also when
   * `capacity` went down: they follow it).
   */
  private fitEntries(): void {
    if (this.size <= this.roomPages) {
      if (this.entries === this.region) return;
      this.region ??= threadEntriesArena.take(this.roomPages);
      this.moveEntries(this.region);
      return;
    }
    if (this.entries !== this.region && this.entries.length === this.capacity) return;
    this.moveEntries(new Int32Array(this.capacity));
  }

  private moveEntries(entries: Int32Array): void {
    entries.set(this.entries.subarray(0, this.size - this.tail.pages));
    this.entries = entries;
  }

  /** Logical pages that are out (swapped or dropped). */
  get outPages(): number {
    return this.size - this.resident;
  }

  /** Hot logical pages that are out. */
  get hotOutPages(): number {
    let out = 0;
    for (let bucket = 0; bucket < COLD_BUCKET; bucket++) out += this.outCounts[bucket]!;
    return out;
  }

  /** Bytes of typed arrays this component holds (for the memory budget). */
  get footprintBytes(): number {
    return this.entries.byteLength + this.segmentPassMs.byteLength + this.groupResident.byteLength + this.blockResident.byteLength + this.hostSwap.bytes + this.out.bytes + this.tail.bytes;
  }

  /**
   * Appends `count` resident pages (`pages[0..count)`, already in this
   * component's page state) at the end of the logical space.
   */
  grow(pages: Int32Array, count: number, nowMs: number): void {
    if (count <= 0) return;
    if (this.tail.pages > 0) this.writeTail();
    const oldSize = this.beginGrowth(count, nowMs);
    this.fitEntries();
    const logical = this.entries;
    // A new page starts on the inactive list, young from the fault that created it.
    for (let k = 0; k < count; k++) logical[oldSize + k] = pages[k]! | YOUNG_BIT;
  }

  /** `grow` for the pages of `runs` (already in this component's page state), in their order: they join the unwritten tail. */
  growRuns(runs: PageRuns, nowMs: number): void {
    if (runs.pages <= 0) return;
    this.beginGrowth(runs.pages, nowMs);
    const tail = this.tail;
    for (let r = 0; r < runs.runs; r++) tail.append(runs.first[r]!, runs.step[r]!, runs.count[r]!);
    if (tail.runs > TAIL_RUNS_MAX) this.writeTail();
  }

  /**
   * Makes the logical space `count` pages longer, all of them resident, and
   * returns where the new pages start; the caller writes their entries.
   */
  private beginGrowth(count: number, nowMs: number): number {
    const oldSize = this.size;
    const newSize = oldSize + count;
    this.ensureCapacity(newSize);
    this.rebucket(oldSize, newSize);
    addResident(this.groupResident, this.blockResident, oldSize, newSize, 1);
    // A fresh segment's pages were last seen untouched when allocated; pages
    // appended to a partly used segment inherit its (older) time. Segments are
    // counted up by shifts: a division would give doubles in this integer loop.
    const segmentLast = (1 << SEGMENT_SHIFT) - 1;
    const freshEnd = (newSize + segmentLast) >> SEGMENT_SHIFT;
    for (let segment = (oldSize + segmentLast) >> SEGMENT_SHIFT; segment < freshEnd; segment++) this.segmentPassMs[segment] = nowMs;
    this.size = newSize;
    this.resident += count;
    return oldSize;
  }

  /**
   * Shrinks to `newSize` logical pages, dropping the last ones: each resident
   * one becomes a free page of `memory`; returns how many dropped pages were out.
   */
  shrinkTo(newSize: number, memory: GuestMemory): number {
    const oldSize = this.size;
    if (newSize >= oldSize) return 0;
    // Pages the host paged out (or is bringing back) have no frame: they become free pages without one.
    const hostSwapped = memory.hostSwappedPages > 0;
    let outDropped = 0;
    // Only unwritten pages go (all resident and inactive, none paged out by the host): freed run by run from the tail.
    if (newSize >= oldSize - this.tail.pages && !hostSwapped) this.tail.dropLast(oldSize - newSize, memory, this.state, PageState.FREE);
    else outDropped = this.dropEntries(newSize, memory, hostSwapped);
    this.resident -= oldSize - newSize - outDropped;
    this.size = newSize;
    // Pages of the unwritten tail are resident; the written ones tell by their entries.
    forgetResident(this.groupResident, this.blockResident, this.entries, this.size - this.tail.pages, newSize, oldSize);
    this.rebucket(oldSize, newSize);
    if (this.hand >= newSize) this.hand = 0;
    if (this.activeHand >= newSize) this.activeHand = 0;
    if (this.coldHand >= newSize) this.coldHand = 0;
    this.releaseCapacity();
    return outDropped;
  }

  /** `shrinkTo`'s work entry by entry, from the last logical page down to `newSize`; returns how many dropped pages were out. */
  private dropEntries(newSize: number, memory: GuestMemory, hostSwapped: boolean): number {
    let outDropped = 0;
    const logical = this.logical;
    for (let index = this.size - 1; index >= newSize; ) {
      const entry = logical[index]!;
      if (entry < 0) {
        this.out.remove(logical, index, this.pattern.bucketOf(index, this.hot));
        outDropped++;
        index--;
        continue;
      }
      const page = entry & PAGE_MASK;
      if (hostSwapped && memory.frameOfPage(page) < NO_FRAME) {
        if ((entry & ACTIVE_BIT) !== 0) this.activePages--;
        if (memory.frameOfPage(page) === HOST_SWAPPED) this.hostSwap.remove(this.pattern.bucketOf(index, this.hot));
        memory.dropHostSwap(page, false);
        memory.put(page, PageState.FREE_UNBACKED);
        index--;
        continue;
      }
      // The run of resident pages below this one that hold the next pages up or down: freed at once.
      const below = index > newSize ? logical[index - 1]! : -1;
      const step = below >= 0 && (below & PAGE_MASK) === page - 1 ? -1 : 1;
      let count = 0;
      for (; index >= newSize; index--, count++) {
        const next = logical[index]!;
        if (next < 0 || (next & PAGE_MASK) !== page + count * step) break;
        if (hostSwapped && memory.frameOfPage(page + count * step) < NO_FRAME) break;
        if ((next & ACTIVE_BIT) !== 0) this.activePages--;
      }
      memory.putRun(page, count, step, this.state, PageState.FREE);
    }
    return outDropped;
  }

  /**
   * Faults in the page at position `slot` of `bucket`'s out-list onto guest
   * page `page` (already in this component's state), with LRU flags
   * `flags`; returns its logical index.
   */
  faultIn(bucket: number, slot: number, page: number, flags = YOUNG_BIT | PGREF_BIT): number {
    const index = this.outLists[bucket]![slot]!;
    this.faultInAt(index, bucket, page, flags);
    return index;
  }

  /** Faults in logical page `index` (out, in `bucket`) onto guest page `page`, with LRU flags `flags` (inactive). */
  faultInAt(index: number, bucket: number, page: number, flags: number): void {
    this.out.remove(this.logical, index, bucket);
    this.logical[index] = page | flags;
    this.resident++;
    this.groupResident[index >> GROUP_SHIFT]!++;
    this.blockResident[index >> BLOCK_SHIFT]!++;
  }

  /** Reclaim took resident logical page `index` (in `bucket`; its page is still in this component's state): it is out now. */
  evictAt(index: number, bucket: number): void {
    this.out.add(this.logical, index, bucket);
    this.resident--;
    this.groupResident[index >> GROUP_SHIFT]!--;
    this.blockResident[index >> BLOCK_SHIFT]!--;
  }

  /**
   * Reclaim of this component's pages (see lru.ts): `cold` is the balloon's
   * cold scan (pages untouched for `coldWindowMs`), otherwise the inactive
   * list's hand. Returns the number evicted into `sink`.
   */
  scan(budget: number, want: number, scan: ScanState, sink: EvictSink, cold: boolean, coldWindowMs: number): number {
    return cold ? evictCold(this, budget, want, scan, sink, coldWindowMs) : shrinkInactive(this, budget, want, scan, sink);
  }

  /**
   * Forgets every logical page (the OOM killer): resident ones become free
   * pages of `memory`; returns how many were out.
   */
  clear(memory: GuestMemory): number {
    const out = this.shrinkTo(0, memory);
    this.hot = 0;
    this.hand = 0;
    this.activeHand = 0;
    this.coldHand = 0;
    return out;
  }

  /** Checks the component's own bookkeeping against the guest's page states (a full scan, for tests; component-check.ts). */
  selfCheck(stateOf: (page: number) => number, owner: Int32Array, ownerMark: number): string[] {
    return checkComponent(this, stateOf, owner, ownerMark);
  }

  private ensureCapacity(size: number): void {
    if (size <= this.capacity) return;
    this.resize(grownCapacity(this.capacity, size, LOGICAL_CAPACITY_MIN));
  }

  /**
   * Gives back room after a shrink: when the logical pages fill less than half
   * of their arrays, the arrays shrink to the pages plus a quarter (entries in
   * the arena keep their region: it is backed only where it was written, and
   * it is there for the next growth). A workload
   * that swings between small and large (a daily cycle) then holds room for
   * what it uses now, not for its largest size ever; the half keeps a small
   * swing from copying the arrays back and forth.
   */
  private releaseCapacity(): void {
    const fitted = grownCapacity(0, this.size + (this.size >> 2), LOGICAL_CAPACITY_MIN);
    if (this.capacity > 2 * fitted) this.resize(fitted);
  }

  /**
   * Moves the per-segment, per-group and per-block figures to arrays for
   * `capacity` pages, and the written logical entries too when they need
   * fewer (more: when the tail is written).
   */
  private resize(capacity: number): void {
    this.capacity = capacity;
    if (this.entries.length > capacity) this.fitEntries();
    const segments = new Float64Array(Math.ceil(capacity / (1 << SEGMENT_SHIFT)));
    segments.set(this.segmentPassMs.subarray(0, segments.length));
    this.segmentPassMs = segments;
    const groups = new Uint8Array(Math.ceil(capacity / (1 << GROUP_SHIFT)));
    groups.set(this.groupResident.subarray(0, groups.length));
    this.groupResident = groups;
    const blocks = new Uint16Array(Math.ceil(capacity / (1 << BLOCK_SHIFT)));
    blocks.set(this.blockResident.subarray(0, blocks.length));
    this.blockResident = blocks;
  }

  /** Makes room for `size` logical pages at once (before a large growth). */
  reserve(size: number): void {
    this.ensureCapacity(size);
  }

  /**
   * The size changes from `oldSize` to `newSize`, which moves the bucket
   * boundaries: out pages that now fall in another bucket move lists. Only
   * pages between an old and a new boundary can move, so this costs
   * O(buckets x |change of the hot part|).
   */
  private rebucket(oldSize: number, newSize: number): void {
    const pattern = this.pattern;
    const oldHot = this.hot;
    const newHot = pattern.hotPages(newSize);
    this.hot = newHot;
    // Nothing to move when no page is out or paged out by the host (the common case).
    const hostSwapped = this.hostSwap.total > 0;
    if (oldHot === newHot || (this.out.total === 0 && !hostSwapped)) return;
    // Pages of the unwritten tail are resident and none is paged out by the host: only written entries can move (the tail stays unwritten).
    const limit = Math.min(oldSize, newSize, this.size - this.tail.pages);
    const logical = this.entries;
    const groups = this.groupResident;
    const groupPages = 1 << GROUP_SHIFT;
    let done = 0;
    for (let bucket = 1; bucket < BUCKETS; bucket++) {
      const before = pattern.bucketStart(bucket, oldHot);
      const after = pattern.bucketStart(bucket, newHot);
      const from = Math.max(done, Math.min(before, after));
      const to = Math.min(limit, Math.max(before, after));
      for (let index = from; index < to; index++) {
        // A group of pages all resident has nothing to move, unless the host paged some out.
        if (!hostSwapped && (index & (groupPages - 1)) === 0 && groups[index >> GROUP_SHIFT] === groupPages) {
          index += groupPages - 1;
          continue;
        }
        const entry = logical[index]!;
        if (entry >= 0) {
          if (!hostSwapped || frameOfWord(this.mapWords[entry & PAGE_MASK]!) !== HOST_SWAPPED) continue;
          const oldBucket = pattern.bucketOf(index, oldHot);
          const newBucket = pattern.bucketOf(index, newHot);
          if (oldBucket === newBucket) continue;
          this.hostSwap.remove(oldBucket);
          this.hostSwap.add(index, newBucket);
          continue;
        }
        const oldBucket = pattern.bucketOf(index, oldHot);
        const newBucket = pattern.bucketOf(index, newHot);
        if (oldBucket === newBucket) continue;
        this.out.remove(logical, index, oldBucket);
        this.out.add(logical, index, newBucket);
      }
      done = Math.max(done, to);
    }
  }
}
