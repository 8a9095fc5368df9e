/**
 * When a workload component changes size, its hot part changes with it and
 * the touch-rate buckets' boundaries move: out pages (and pages the host
 * paged out) between an old and a new boundary change buckets, and so lists.
 */
import { BUCKETS, type AccessPattern } from './access-pattern.js';
import { GROUP_SHIFT, PAGE_MASK } from './component-layout.js';
import type { HostSwapLists } from './host-swap-lists.js';
import type { OutLists } from './out-lists.js';
import { frameOfWord, HOST_SWAPPED } from './shared-memory.js';

/** What `moveAcrossBuckets` reads and changes of a component. */
export interface BucketedPages {
  readonly pattern: AccessPattern;
  /** Written logical entries: the pages at or past `limit` are not looked at. */
  readonly entries: Int32Array;
  readonly groupResident: Uint8Array;
  readonly out: OutLists;
  readonly hostSwap: HostSwapLists;
  /** The guest's page-to-frame map's words (to tell pages the host paged out). */
  readonly mapWords: Int32Array;
}

/**
 * Moves the out pages and the host's paged-out pages below `limit` whose
 * bucket differs between `oldHot` and `newHot` hot pages to their new
 * bucket's list. Only pages between an old and a new boundary can move, so
 * this costs O(buckets x |change of the hot part|).
 */
export function moveAcrossBuckets(pages: BucketedPages, oldHot: number, newHot: number, limit: number): void {
  const { pattern, entries: logical, groupResident: groups, out, hostSwap, mapWords } = pages;
  const hostSwapped = hostSwap.total > 0;
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
        if (!hostSwapped || frameOfWord(mapWords[entry & PAGE_MASK]!) !== HOST_SWAPPED) continue;
        const oldBucket = pattern.bucketOf(index, oldHot);
        const newBucket = pattern.bucketOf(index, newHot);
        if (oldBucket === newBucket) continue;
        hostSwap.remove(oldBucket);
        hostSwap.add(index, newBucket);
        continue;
      }
      const oldBucket = pattern.bucketOf(index, oldHot);
      const newBucket = pattern.bucketOf(index, newHot);
      if (oldBucket === newBucket) continue;
      out.remove(logical, index, oldBucket);
      out.add(logical, index, newBucket);
    }
    done = Math.max(done, to);
  }
}
