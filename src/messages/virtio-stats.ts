/**
 * The virtio balloon statistics (include/uapi/linux/virtio_balloon.h): the
 * 16 stat tags in tag order, written here once; the tag type, the count and
 * the index of each tag follow from this list.
 */

/** The virtio balloon stat tags, in tag order (VIRTIO_BALLOON_S_SWAP_IN = 0 ... DIRECT_RECLAIM = 15): `values[i]` of a stats report is `VIRTIO_STAT_TAGS[i]`. */
export const VIRTIO_STAT_TAGS = [
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
] as const;

/** One virtio balloon stat tag. */
export type VirtioStatTag = (typeof VIRTIO_STAT_TAGS)[number];

/** The number of virtio stats values (16). */
export const VIRTIO_STAT_COUNT = VIRTIO_STAT_TAGS.length;

/** Index of each tag in a stats report's values. */
export const VirtioStat: Readonly<Record<VirtioStatTag, number>> = Object.fromEntries(VIRTIO_STAT_TAGS.map((tag, index) => [tag, index])) as Record<VirtioStatTag, number>;

/** Stats in bytes of memory (the rest are counts). */
export const MEMORY_STATS: ReadonlyArray<VirtioStatTag> = ['MEMFREE', 'MEMTOT', 'AVAIL', 'CACHES'];

/** Stats that count events or totals since boot (all but the memory figures): they never go down while a guest lives. */
export const CUMULATIVE_STATS: ReadonlyArray<VirtioStatTag> = VIRTIO_STAT_TAGS.filter((tag) => !MEMORY_STATS.includes(tag));

/** A stats record with every tag unreported (-1). */
export function unreportedStats(): Record<VirtioStatTag, number> {
  return statsByTag(null);
}

/**
 * The values of a stats report as a record keyed by tag (missing values read
 * as -1). Built property by property in tag order (no intermediate arrays):
 * hosts make one per guest for every policy view.
 */
export function statsByTag(values: ArrayLike<number> | null): Record<VirtioStatTag, number> {
  const record = {} as Record<VirtioStatTag, number>;
  for (let index = 0; index < VIRTIO_STAT_COUNT; index++) record[VIRTIO_STAT_TAGS[index]!] = values === null ? -1 : (values[index] ?? -1);
  return record;
}
