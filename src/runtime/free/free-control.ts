/** Slots of the Int32 array a free-running host shares with its guest workers. */
export const FreeControl = {
  /** Set to 1 by the host: every worker sends its final batch as soon as it can. */
  FINISH: 0,
} as const;

export const FREE_CONTROL_SLOTS = 2;
