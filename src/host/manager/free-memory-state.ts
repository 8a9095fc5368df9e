import { ESX_FREE_MEMORY_THRESHOLDS, type FreeMemoryThresholds } from '../../model/policy-spec.js';

import type { FreeMemoryState } from '../../messages/protocol.js';

export type { FreeMemoryState } from '../../messages/protocol.js';

/** The states in order, from most free memory to least. */
export const FREE_MEMORY_STATES: ReadonlyArray<FreeMemoryState> = ['high', 'soft', 'hard', 'low'];

/** Ticks spent in each state. */
export type StateTicks = Record<FreeMemoryState, number>;

/** A change of state, for the event log. */
export interface StateChange {
  from: FreeMemoryState;
  to: FreeMemoryState;
}

/** The thresholds in frames: `ceil(fraction * frames)`. */
export interface ThresholdFrames {
  highFrames: number;
  softFrames: number;
  hardFrames: number;
  lowFrames: number;
}

/**
 * Tracks the host's free-memory state from its free frames, once per tick.
 *
 * Going down, a state is entered as soon as free memory falls below its
 * threshold: soft below `soft`, hard below `hard`, low below `low`. Going up,
 * a state is left only when free memory reaches the threshold of the state
 * above it: low to hard at `hard`, hard to soft at `soft`, soft to high at
 * `high`. So each state has one threshold step of hysteresis, and reclaim
 * that starts below `soft` goes on until free memory is back at `high`.
 * Several steps may be taken at once in either direction.
 */
export class FreeMemoryMonitor {
  readonly thresholds: Readonly<ThresholdFrames>;
  private level = 0;
  private readonly ticks: StateTicks = { high: 0, soft: 0, hard: 0, low: 0 };

  constructor(
    readonly frames: number,
    fractions: Readonly<FreeMemoryThresholds> = ESX_FREE_MEMORY_THRESHOLDS,
  ) {
    if (!Number.isSafeInteger(frames) || frames < 1) throw new RangeError(`FreeMemoryMonitor: frames must be a positive integer, got ${frames}`);
    const { high, soft, hard, low } = fractions;
    if (!(high >= soft && soft >= hard && hard >= low && low >= 0 && high <= 1)) {
      throw new RangeError(`FreeMemoryMonitor: thresholds must satisfy 1 >= high >= soft >= hard >= low >= 0, got ${JSON.stringify(fractions)}`);
    }
    this.thresholds = {
      highFrames: Math.ceil(high * frames),
      softFrames: Math.ceil(soft * frames),
      hardFrames: Math.ceil(hard * frames),
      lowFrames: Math.ceil(low * frames),
    };
  }

  get state(): FreeMemoryState {
    return FREE_MEMORY_STATES[this.level]!;
  }

  /** Ticks counted in each state so far. */
  get stateTicks(): StateTicks {
    return { ...this.ticks };
  }

  /**
   * The state for `freeFrames` free frames, counted as one tick. Returns the
   * change, or null if the state stayed.
   */
  update(freeFrames: number): StateChange | null {
    const before = this.level;
    const down = this.downLevel(freeFrames);
    const up = this.upLevel(freeFrames);
    if (before < down) this.level = down;
    else if (before > up) this.level = up;
    this.ticks[this.state]++;
    return this.level === before ? null : { from: FREE_MEMORY_STATES[before]!, to: this.state };
  }

  /** The deepest state free memory has fallen into, going down. */
  private downLevel(free: number): number {
    const t = this.thresholds;
    return free < t.lowFrames ? 3 : free < t.hardFrames ? 2 : free < t.softFrames ? 1 : 0;
  }

  /** The highest state free memory allows, going up. */
  private upLevel(free: number): number {
    const t = this.thresholds;
    return free >= t.highFrames ? 0 : free >= t.softFrames ? 1 : free >= t.hardFrames ? 2 : 3;
  }
}

/** True in the states where the host reclaims memory (soft and below). */
export function isReclaiming(state: FreeMemoryState): boolean {
  return state !== 'high';
}

/** True in the states where the host would page guest memory out itself (hard and low). */
export function isHostPaging(state: FreeMemoryState): boolean {
  return state === 'hard' || state === 'low';
}
