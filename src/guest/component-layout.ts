/**
 * How a workload component keeps its pages, for the component
 * (component.ts), its LRU hands (lru.ts) and its checker
 * (component-check.ts): the bit layout of a logical entry, the segments,
 * groups and blocks the hands go by, and the fields of a component they
 * read and change. The component implements `ComponentPages` and calls the
 * hands and the checker, which know it only through that interface.
 */
import type { WorkloadComponent } from '../model/scenario.js';
import type { Random } from '../util/random.js';
import type { AccessPattern } from './access-pattern.js';
import type { HostSwapLists } from './host-swap-lists.js';
import type { PageStateValue } from './page-state.js';

/**
 * Flags of a resident logical entry (see lru.ts). YOUNG_BIT: the page was
 * touched since its young bit was last cleared, for sure (a fault brought it
 * in, or it was just created); otherwise that is drawn from its touch rate.
 */
export const YOUNG_BIT = 1 << 30;
/** The old name of YOUNG_BIT. */
export const REF_BIT = YOUNG_BIT;
/** The page is on the active list. */
export const ACTIVE_BIT = 1 << 29;
/** PG_referenced: the page was found touched at its last check on the inactive list (or was activated). */
export const PGREF_BIT = 1 << 28;
/** The guest page of a resident logical entry. Guests have fewer than 2^28 pages. */
export const PAGE_MASK = PGREF_BIT - 1;
/** Most guest pages a guest may have: the logical entries keep three flag bits above the page number. */
export const GUEST_PAGES_MAX = PGREF_BIT;

/** The CLOCK hands note the time they finish each segment of this many logical pages. */
export const SEGMENT_SHIFT = 8;
/** Resident pages are counted per group of 32 logical pages and per block of 1024, so that the hands skip runs of pages that are out. */
export const GROUP_SHIFT = 5;
export const BLOCK_SHIFT = 10;

/** The part of a reclaim scan's state that the scan loop changes: the clock, and what it did. */
export interface ScanState {
  /** The guest's memory-management clock in ms: advanced by scanning, so that two passes over a page are never simultaneous. */
  clockMs: number;
  scanCostMs: number;
  random: Random;
  scanned: number;
}

/** Where evicted guest pages go (free, or straight into the balloon); the page is still in the component's state and still maps its frame. */
export type EvictSink = (page: number) => void;

/** A component's page bookkeeping, as its LRU hands and its checker see it (component.ts documents each field). */
export interface ComponentPages {
  readonly spec: WorkloadComponent;
  readonly pattern: AccessPattern;
  /** The guest page state of this component's resident pages. */
  readonly state: PageStateValue;
  /** Logical entries, `size` of them in use. */
  readonly logical: Int32Array;
  readonly size: number;
  readonly resident: number;
  /** Hot pages for the current size. */
  readonly hot: number;
  readonly outLists: Int32Array[];
  readonly outCounts: Int32Array;
  readonly segmentPassMs: Float64Array;
  readonly groupResident: Uint8Array;
  readonly blockResident: Uint16Array;
  /** Resident pages on the active list. */
  activePages: number;
  /** The inactive list's hand, the active list's, and the cold scan's. */
  hand: number;
  activeHand: number;
  coldHand: number;
  /** log2 of the group of logical pages touched together; 0: pages are touched independently. */
  readonly touchGroupShift: number;
  readonly hostSwap: HostSwapLists;
  /** The guest's page-to-frame map's words; empty where host paging cannot happen. */
  readonly mapWords: Int32Array;
  /** Reclaim took resident logical page `index` (in `bucket`): it is out now. */
  evictAt(index: number, bucket: number): void;
}
