import { PageState } from '../guest/page-state.js';
import type { GuestSharedViews } from '../guest/shared-memory.js';
import type { FreeMemoryState } from '../host/free-memory-state.js';
import type { Hypervisor } from '../host/hypervisor.js';

/** One guest's state at a sample time, in pages. */
export interface GuestSample {
  name: string;
  targetPages: number;
  residentPages: number;
  balloonPages: number;
  anonPages: number;
  cachePages: number;
  kernelPages: number;
  freePages: number;
}

/** The state of the host and every guest at one simulated time. */
export interface Sample {
  timeMs: number;
  freeFrames: number;
  /** The host's free-memory state in the tick just run. */
  hostState: FreeMemoryState;
  guests: GuestSample[];
}

/** Reads a sample from the host's accounts and the guests' shared counters (no message needed). */
export function sampleGuests(timeMs: number, host: Hypervisor, shared: ReadonlyArray<GuestSharedViews>): Sample {
  return {
    timeMs,
    freeFrames: host.pool.size,
    hostState: host.freeState,
    guests: host.accounts.map((account) => {
      const counters = shared[account.index]!.counters;
      const count = (state: number): number => Atomics.load(counters, state);
      return {
        name: account.name,
        targetPages: account.targetPages,
        residentPages: account.ownedFrames,
        balloonPages: count(PageState.BALLOON),
        anonPages: count(PageState.ANON),
        cachePages: count(PageState.CACHE),
        kernelPages: count(PageState.KERNEL),
        freePages: count(PageState.FREE) + count(PageState.FREE_UNBACKED),
      };
    }),
  };
}
