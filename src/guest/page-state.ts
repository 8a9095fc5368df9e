/**
 * The state of one guest page. Every page is in exactly one state; the counts
 * of all states add up to the guest's page count (DESIGN.md, invariant 3).
 */
export const PageState = {
  /** Outside the guest's memory: hotplug room that has not been plugged. */
  UNPOPULATED: 0,
  /** Free in the guest, backed by a host frame. */
  FREE: 1,
  /** Free in the guest, with no frame behind it: never touched since boot, or given back by free page reporting. */
  FREE_UNBACKED: 2,
  /** Unreclaimable kernel memory. */
  KERNEL: 3,
  /** Anonymous memory of a workload. */
  ANON: 4,
  /** Page cache of a workload's files. */
  CACHE: 5,
  /** Held by the balloon; its frame (if it had one) belongs to the host. */
  BALLOON: 6,
} as const;

export type PageStateValue = (typeof PageState)[keyof typeof PageState];

export const PAGE_STATE_COUNT = 7;

export const PAGE_STATE_NAMES: ReadonlyArray<string> = [
  'unpopulated',
  'free',
  'freeUnbacked',
  'kernel',
  'anon',
  'cache',
  'balloon',
];
