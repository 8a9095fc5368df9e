import type { VirtioStatTag } from '../messages/protocol.js';

/** The virtio balloon stat tags, in tag order: `values[i]` of a stats message is `VIRTIO_STAT_TAGS[i]`. */
export const VIRTIO_STAT_TAGS: ReadonlyArray<VirtioStatTag> = [
  'SWAP_IN',
  'SWAP_OUT',
  'MAJFLT',
  'MINFLT',
  'MEMFREE',
  'MEMTOT',
  'AVAIL',
  'CACHES',
  'HTLB_PGALLOC',
  'HTLB_PGFAIL',
  'OOM_KILL',
  'ALLOC_STALL',
  'ASYNC_SCAN',
  'DIRECT_SCAN',
  'ASYNC_RECLAIM',
  'DIRECT_RECLAIM',
];

/** Index of each tag in a stats message's values. */
export const VirtioStat: Readonly<Record<VirtioStatTag, number>> = Object.fromEntries(VIRTIO_STAT_TAGS.map((tag, index) => [tag, index])) as Record<VirtioStatTag, number>;

export const VIRTIO_STAT_COUNT = 16;

/** Stats that count events or totals since boot: they never go down while a guest lives. */
export const CUMULATIVE_STATS: ReadonlyArray<VirtioStatTag> = [
  'SWAP_IN',
  'SWAP_OUT',
  'MAJFLT',
  'MINFLT',
  'HTLB_PGALLOC',
  'HTLB_PGFAIL',
  'OOM_KILL',
  'ALLOC_STALL',
  'ASYNC_SCAN',
  'DIRECT_SCAN',
  'ASYNC_RECLAIM',
  'DIRECT_RECLAIM',
];

/** Stats in bytes of memory (the rest are counts). */
export const MEMORY_STATS: ReadonlyArray<VirtioStatTag> = ['MEMFREE', 'MEMTOT', 'AVAIL', 'CACHES'];

/** A stats record with every tag unreported (-1). */
export function unreportedStats(): Record<VirtioStatTag, number> {
  return statsByTag(null);
}

/**
 * The values of a stats message as a record keyed by tag (missing values read
 * as -1). Built property by property in tag order (no intermediate arrays):
 * hosts make one per guest for every policy view.
 */
export function statsByTag(values: ArrayLike<number> | null): Record<VirtioStatTag, number> {
  const record = {} as Record<VirtioStatTag, number>;
  for (let index = 0; index < VIRTIO_STAT_COUNT; index++) record[VIRTIO_STAT_TAGS[index]!] = values === null ? -1 : (values[index] ?? -1);
  return record;
}
