/** What the balloon driver counts for its guest's report (guest-actor.ts). */

/** Counters the driver keeps for reports. */
export interface BalloonDriverCounters {
  inflatedPages: number;
  deflatedPages: number;
  releaseMessages: number;
  requestMessages: number;
  /** Frames the host refused (VMware's single pages); they went back to the guest's free memory. */
  refusedFrames: number;
  /** Inflates that could not take a page and backed off ("Out of puff"). */
  outOfPuff: number;
  /** Deflate requests the host could not fill. */
  shortGrants: number;
  peakBalloonPages: number;
  /** 2 MiB pages inflated (VMware, Hyper-V). */
  largePages: number;
  /** Pages the cold-first reclaim handed straight to the balloon (inflate mode `reclaim`). */
  coldReclaimedPages: number;
  /** Pages given back on OOM events (deflate-on-OOM). */
  oomDeflatedPages: number;
  /** Inflation the Hyper-V floor held back at the last try, in pages (0: the floor did not stop the balloon). */
  floorHeldPages: number;
  targetChanges: number;
  /** When the target last changed (ms of simulated time). */
  lastTargetChangeMs: number;
  /** When the balloon last reached the size the target asks for, after the last change (-1: not yet). */
  targetReachedMs: number;
  /** How long the last inflation toward a new target took, from the change until the balloon held what it asks (-1: none completed). */
  inflateToTargetMs: number;
  /** The same for the last deflation. */
  deflateToTargetMs: number;
}

/** Counters of a driver that has done nothing yet. */
export function newBalloonDriverCounters(): BalloonDriverCounters {
  return {
    inflatedPages: 0,
    deflatedPages: 0,
    releaseMessages: 0,
    requestMessages: 0,
    refusedFrames: 0,
    outOfPuff: 0,
    shortGrants: 0,
    peakBalloonPages: 0,
    largePages: 0,
    coldReclaimedPages: 0,
    oomDeflatedPages: 0,
    floorHeldPages: 0,
    targetChanges: 0,
    lastTargetChangeMs: 0,
    targetReachedMs: 0,
    inflateToTargetMs: -1,
    deflateToTargetMs: -1,
  };
}
