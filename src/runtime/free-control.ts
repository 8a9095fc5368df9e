/** Slots of the Int32 array a free-running coordinator shares with its guest workers. */
export const FreeControl = {
  /** Set to 1 by the coordinator: every worker sends its final batch as soon as it can. */
  FINISH: 0,
  /**
   * The manager's clock (its host tick), stored by the coordinator whenever it
   * moves and notified, with FINISH too: a worker that has run LEAD rounds
   * ahead of it waits on this slot.
   */
  HOST_TICK: 1,
} as const;

export const FREE_CONTROL_SLOTS = 2;

/**
 * Rounds a worker may run ahead of the manager's clock (default). Without a
 * bound, a worker whose peers are slow (starting, descheduled on a busy
 * machine) runs its guests through many simulated seconds while the manager
 * stands still: its orders (new targets, back-pressure) then reach the
 * guests seconds late in their own time, which no real host does.
 */
export const LEAD_ROUNDS_DEFAULT = 4;
