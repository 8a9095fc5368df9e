/**
 * The LRU lists of one workload component, as Linux keeps them
 * (mm/vmscan.c), over the component's logical pages. Each resident page is
 * on the active or the inactive list (ACTIVE_BIT) and has PG_referenced
 * (PGREF_BIT); whether it was touched since its young bit was last cleared
 * is drawn from its touch rate and the time since then (kept per segment of
 * 256 pages), unless a fault or its creation set YOUNG_BIT.
 *
 * Two hands go round the logical pages, in the same direction:
 *
 * - the inactive hand (shrink_inactive_list) looks only at inactive pages:
 *   one touched since its young bit was cleared is kept, and activated if it
 *   was referenced before (PG_referenced); one that was not is reclaimed,
 *   whatever its hotness;
 * - the active hand (shrink_active_list) runs when the inactive list is low
 *   (inactive x ratio < active, ratio sqrt(10 x GiB of the lists), 1 below
 *   1 GiB) and moves active pages to the inactive list, clearing their young
 *   bits, referenced or not (anonymous and file pages alike: no executables
 *   here).
 *
 * A deactivated page that is not touched again before the inactive hand
 * reaches it is reclaimed: when reclaim scans fast (a balloon inflating, a
 * kswapd pass of a whole high watermark) the time between the two is shorter
 * than the touch interval of hot pages, and reclaim takes hot pages too, as
 * a real guest does. Nothing knows which pages are hot.
 */
import { ACTIVE_BIT, BLOCK_SHIFT, GROUP_SHIFT, PAGE_MASK, PGREF_BIT, SEGMENT_SHIFT, YOUNG_BIT, type ComponentPages, type EvictSink, type ScanState } from './component-layout.js';
import { frameOfWord, HOST_SWAPPED, SWAP_IN_PENDING } from './shared-memory.js';

const SEGMENT_MASK = (1 << SEGMENT_SHIFT) - 1;
const GROUP_MASK = (1 << GROUP_SHIFT) - 1;
const BLOCK_MASK = (1 << BLOCK_SHIFT) - 1;

/** Which pages a hand looks at. */
const enum Hand {
  /** shrink_inactive_list: judges inactive pages. */
  Inactive,
  /** shrink_active_list: deactivates active pages. */
  Active,
  /** The balloon's cold scan (inflate mode `reclaim`): evicts pages untouched for a window, lists left alone. */
  Cold,
}

/** The inactive list's share: inactive_is_low is `inactive * ratio < active`, with ratio sqrt(10 x GiB of both lists). */
export function inactiveRatio(listPages: number, pageBytes: number): number {
  const gib = Math.floor((listPages * pageBytes) / 2 ** 30);
  return gib > 0 ? Math.floor(Math.sqrt(10 * gib)) : 1;
}

/**
 * shrink_inactive_list: moves the inactive hand over at most `budget`
 * inactive pages (and at most one lap), reclaiming up to `want` into `sink`.
 * Returns the number reclaimed; `scan.scanned` counts inactive pages looked at.
 */
export function shrinkInactive(component: ComponentPages, budget: number, want: number, scan: ScanState, sink: EvictSink): number {
  return sweep(component, Hand.Inactive, budget, want, scan, sink, 0);
}

/** shrink_active_list: moves the active hand over at most `budget` active pages, deactivating each. Returns how many. */
export function shrinkActive(component: ComponentPages, budget: number, scan: ScanState): number {
  return sweep(component, Hand.Active, budget, budget, scan, null, 0);
}

/** The balloon's cold scan: evicts up to `want` resident pages not touched within `coldWindowMs` (its own hand; lists and bits left alone). */
export function evictCold(component: ComponentPages, budget: number, want: number, scan: ScanState, sink: EvictSink, coldWindowMs: number): number {
  return sweep(component, Hand.Cold, budget, want, scan, sink, coldWindowMs);
}

/** One hand's sweep; the three hands share the walk and differ in what they do with a resident page. */
function sweep(component: ComponentPages, hand: Hand, budget: number, want: number, scan: ScanState, sink: EvictSink | null, coldWindowMs: number): number {
  const size = component.size;
  if (size === 0 || want <= 0 || budget <= 0) return 0;
  const logical = component.logical;
  const segments = component.segmentPassMs;
  const pattern = component.pattern;
  const rates = pattern.ratePerMs;
  const hot = component.hot;
  const groups = component.groupResident;
  const blocks = component.blockResident;
  const mapWords = component.mapWords;
  const random = scan.random;
  // The clock in a local (a field store per page looked at otherwise); the sinks advance it too (a swap-out's write), so it goes back into `scan` around each.
  let clockMs = scan.clockMs;
  const scanCostMs = scan.scanCostMs;
  const clears = hand !== Hand.Cold;
  // Pages touched in order are touched together: one draw per aligned group (the readahead window), so that they age together.
  const groupShift = component.touchGroupShift;
  let drawnGroup = -1;
  let draw = 0;
  let index = hand === Hand.Inactive ? component.hand : hand === Hand.Active ? component.activeHand : component.coldHand;
  // The hand moves up through the buckets: track the current one instead of computing it per page.
  let bucket = pattern.bucketOf(index, hot);
  let bucketEnd = pattern.bucketEnd(bucket, hot, size);
  let done = 0;
  let looked = 0;
  let visited = 0;
  while (visited < size && looked < budget && done < want) {
    const at = index;
    // Runs of 32 or 1024 pages with none resident are passed in one step.
    if ((at & GROUP_MASK) === 0) {
      const run = (at & BLOCK_MASK) === 0 && blocks[at >> BLOCK_SHIFT] === 0 ? 1 << BLOCK_SHIFT : groups[at >> GROUP_SHIFT] === 0 ? 1 << GROUP_SHIFT : 0;
      if (run > 0) {
        const end = Math.min(size, at + run);
        if (clears) {
          for (let segment = at >> SEGMENT_SHIFT; segment <= (end - 1) >> SEGMENT_SHIFT; segment++) {
            if ((segment + 1) << SEGMENT_SHIFT <= end || end === size) segments[segment] = clockMs;
          }
        }
        visited += end - at;
        index = end === size ? 0 : end;
        if (index === 0) {
          bucket = pattern.bucketOf(0, hot);
          bucketEnd = pattern.bucketEnd(bucket, hot, size);
        }
        continue;
      }
    }
    visited++;
    index = index + 1 === size ? 0 : index + 1;
    while (at >= bucketEnd) {
      bucket++;
      bucketEnd = pattern.bucketEnd(bucket, hot, size);
    }
    const entry = logical[at]!;
    if (entry >= 0) {
      const active = (entry & ACTIVE_BIT) !== 0;
      if (hand === Hand.Active) {
        if (active) {
          // Deactivated: young bits cleared (folio_referenced), PG_referenced kept.
          logical[at] = entry & ~(ACTIVE_BIT | YOUNG_BIT);
          component.activePages--;
          looked++;
          done++;
          clockMs += scanCostMs;
        } else if ((entry & YOUNG_BIT) === 0) {
          // An inactive page the hand passes keeps what happened since its young bit was cleared (the segment's time is about to move).
          const rate = rates[bucket]!;
          const elapsedMs = clockMs - segments[at >> SEGMENT_SHIFT]!;
          if (rate > 0 && elapsedMs > 0 && (groupShift === 0 ? random.next() : at >> groupShift === drawnGroup ? draw : ((drawnGroup = at >> groupShift), (draw = random.next()))) < 1 - Math.exp(-rate * elapsedMs)) logical[at] = entry | YOUNG_BIT;
        }
      } else if (hand === Hand.Inactive ? !active : true) {
        looked++;
        clockMs += scanCostMs;
        const rate = rates[bucket]!;
        let young: boolean;
        if (hand === Hand.Cold) {
          // A fault or creation counts as a touch if it can have happened within the window (its segment's last pass, or creation, is that recent).
          const recent = clockMs - segments[at >> SEGMENT_SHIFT]! < coldWindowMs;
          young = ((entry & YOUNG_BIT) !== 0 && recent) || (rate > 0 && (groupShift === 0 ? random.next() : at >> groupShift === drawnGroup ? draw : ((drawnGroup = at >> groupShift), (draw = random.next()))) < 1 - Math.exp(-rate * coldWindowMs));
        } else {
          const elapsedMs = clockMs - segments[at >> SEGMENT_SHIFT]!;
          young = (entry & YOUNG_BIT) !== 0 || (rate > 0 && elapsedMs > 0 && (groupShift === 0 ? random.next() : at >> groupShift === drawnGroup ? draw : ((drawnGroup = at >> groupShift), (draw = random.next()))) < 1 - Math.exp(-rate * elapsedMs));
        }
        // A page whose swap-in from host swap is in flight waits for its frame: reclaim leaves it alone.
        const pending = component.hostSwap.pending > 0 && frameOfWord(mapWords[entry & PAGE_MASK]!) === SWAP_IN_PENDING;
        if (hand === Hand.Inactive && (young || pending)) {
          // folio_check_references: referenced twice -> active; once -> kept, PG_referenced set.
          if (young && (entry & PGREF_BIT) !== 0) {
            logical[at] = (entry & ~YOUNG_BIT) | ACTIVE_BIT | PGREF_BIT;
            component.activePages++;
          } else logical[at] = (entry & ~YOUNG_BIT) | (young ? PGREF_BIT : 0);
        } else if (!young && !pending) {
          if (component.hostSwap.total > 0 && frameOfWord(mapWords[entry & PAGE_MASK]!) === HOST_SWAPPED) component.hostSwap.remove(bucket);
          if (active) component.activePages--;
          component.evictAt(at, bucket);
          done++;
          scan.clockMs = clockMs;
          sink!(entry & PAGE_MASK);
          clockMs = scan.clockMs;
        }
      }
    }
    // The hand has passed the whole segment: note when (after judging its last page).
    if (clears && ((at & SEGMENT_MASK) === SEGMENT_MASK || index === 0)) segments[at >> SEGMENT_SHIFT] = clockMs;
    if (index === 0) {
      bucket = pattern.bucketOf(0, hot);
      bucketEnd = pattern.bucketEnd(bucket, hot, size);
    }
  }
  scan.clockMs = clockMs;
  if (hand === Hand.Inactive) component.hand = index;
  else if (hand === Hand.Active) component.activeHand = index;
  else component.coldHand = index;
  if (hand !== Hand.Active) scan.scanned += looked;
  return done;
}
