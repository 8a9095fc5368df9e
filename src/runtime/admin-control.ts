import type { AdminTargetOptions, AdminTargetResult, MemoryManager } from '../host/manager/memory-manager.js';
import type { TargetSize } from '../model/scenario.js';
import { parseSizeOrPercent } from '../model/units.js';

/**
 * What a library user can do to a running simulation between ticks, as an
 * administrator would (`SimulateOptions.beforeTick`).
 */
export interface AdminControl {
  /** Simulated time at the start of the tick, in ms (as `timeMs` in samples and events). */
  readonly timeMs: number;
  /** @deprecated The same as `timeMs` (its old name). */
  readonly nowMs: number;
  /** Guest names, in scenario order. */
  readonly guests: ReadonlyArray<string>;
  /**
   * Sets a guest's target, through the host's over-shrink guard. `target` is
   * a size with a unit or a percentage of the guest's maxMemory (`'2GiB'`,
   * `'50%'`; a bare number is refused), or a TargetSize. With `force` the
   * guard does not refuse; with `dryRun` nothing changes and the result
   * carries the predicted effect.
   */
  setTarget(guest: string, target: string | TargetSize, options?: AdminTargetOptions): AdminTargetResult;
}

/** The AdminControl of a host's memory manager at `nowMs`. */
export function adminControlOf(host: MemoryManager, nowMs: number): AdminControl {
  const guests = host.records.map((record) => record.name);
  return {
    timeMs: nowMs,
    nowMs,
    guests,
    setTarget(guest, target, options = {}) {
      const index = guests.indexOf(guest);
      if (index < 0) throw new RangeError(`AdminControl.setTarget: there is no guest named ${JSON.stringify(guest)}; guests: ${guests.slice(0, 10).join(', ')}${guests.length > 10 ? ', ...' : ''}`);
      const size = typeof target === 'object' && target !== null ? target : parseSizeOrPercent(target, `AdminControl.setTarget(${guest})`);
      return host.setTargetOf(index, size, 'administrator', options);
    },
  };
}
