/**
 * A guest's life as concurrent readers (free-running mode's auditor) must
 * see it: the device side (or the coordinator, for a killed worker) marks a
 * guest DYING in a shared Int32 array before it takes back the frames of a
 * dead guest, and RECLAIMED after, so that a reader stops trusting the
 * guest's page map before its frames change owner (audit/concurrent-check.ts, rule 5).
 */
export const GuestState = {
  ALIVE: 0,
  /** The host is taking its frames back. */
  DYING: 1,
  /** Every frame it owned is back with the host. */
  RECLAIMED: 2,
} as const;
