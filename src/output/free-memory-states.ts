/**
 * The host's free-memory states of VMware ESX (Waldspurger, OSDI 2002): high,
 * soft, hard and low, at 6 %, 4 %, 2 % and 1 % of host memory free. Free
 * memory falling below a threshold moves the host down to that state at once;
 * it climbs back to a state only once free memory is at or above the
 * threshold of that state (hysteresis): a host that fell below 4 % (soft)
 * and reclaimed its way back to 5 % stays soft until free memory reaches 6 %.
 *
 * Reports draw these states under the host's free memory whatever the policy,
 * as a scale of how tight the host is.
 */

/** The states from the most free memory to the least. */
export const FREE_MEMORY_STATES = ['high', 'soft', 'hard', 'low'] as const;
export type FreeMemoryState = (typeof FREE_MEMORY_STATES)[number];

/** Free fraction of host memory at which each state begins (the host is in `soft` below 4 %). */
export const FREE_MEMORY_THRESHOLDS: Readonly<Record<FreeMemoryState, number>> = { high: 0.06, soft: 0.04, hard: 0.02, low: 0.01 };

/** The state reached from `current` when the free fraction is `free`. */
export function nextFreeMemoryState(current: FreeMemoryState, free: number): FreeMemoryState {
  let level = FREE_MEMORY_STATES.indexOf(current);
  // Down at once: to the lowest state whose threshold free memory is below.
  for (let next = FREE_MEMORY_STATES.length - 1; next > level; next--) {
    if (free < FREE_MEMORY_THRESHOLDS[FREE_MEMORY_STATES[next]!]) return FREE_MEMORY_STATES[next]!;
  }
  // Up past every state whose own threshold free memory has reached again.
  while (level > 0 && free >= FREE_MEMORY_THRESHOLDS[FREE_MEMORY_STATES[level - 1]!]) level--;
  return FREE_MEMORY_STATES[level]!;
}

/** The state at every point of a series of free fractions, starting from `high`. */
export function freeMemoryStates(freeFractions: ArrayLike<number>): FreeMemoryState[] {
  const states: FreeMemoryState[] = [];
  let state: FreeMemoryState = 'high';
  for (let i = 0; i < freeFractions.length; i++) {
    state = nextFreeMemoryState(state, freeFractions[i]!);
    states.push(state);
  }
  return states;
}
