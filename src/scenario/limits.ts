/**
 * Limits on what a scenario may ask for, so that a typo cannot ask for a billion
 * guests or a file that never ends. Each is checked with a message that names it.
 */

/** Largest `count` of one guest entry, and most guests in a scenario after expansion. */
export const GUESTS_MAX = 100_000;
/** Most events after group events are expanded. */
export const EVENTS_MAX = 1_000_000;
/** Most workload components in one guest. */
export const WORKLOAD_COMPONENTS_MAX = 64;
/** Most steps in one `steps` curve. */
export const STEPS_MAX = 100_000;
/** Most points in one trace CSV file. */
export const TRACE_POINTS_MAX = 1_000_000;
/** Largest trace CSV file. */
export const TRACE_FILE_BYTES_MAX = 64 * 2 ** 20;
/** Largest scenario file. */
export const SCENARIO_FILE_BYTES_MAX = 16 * 2 ** 20;
/** Most ticks in a run (duration / tick). */
export const TICKS_MAX = 100_000_000;
/** Longest guest, component or scenario name. */
export const NAME_LENGTH_MAX = 100;
/** Largest `shares` value. */
export const SHARES_MAX = 1_000_000;
/** Largest driver batch, in frame numbers per message. */
export const DRIVER_BATCH_MAX = 4096;
/** Smallest and largest frame size. */
export const FRAME_BYTES_MIN = 4 * 2 ** 10;
export const FRAME_BYTES_MAX = 2 ** 30;
/** Deepest nesting of mappings and lists in a scenario or grid file (a scenario needs about 8). */
export const NESTING_MAX = 64;
/** Smallest guest memory: room for a kernel, and at least Hyper-V's balloon floor (8 MiB + half the guest). */
export const GUEST_MEMORY_MIN = 16 * 2 ** 20;
