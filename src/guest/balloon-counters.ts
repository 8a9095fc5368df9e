/** What the balloon driver counts for its guest's report (guest-actor.ts). */
import type { DriverReport } from '../messages/runtime.js';

/**
 * Counters the driver keeps: those of its report (messages/runtime.ts
 * DRIVER_REPORT_START, which a test holds these to), and two the guest
 * reports elsewhere.
 *
 * A class, not a spread of DRIVER_REPORT_START: objects made by
 * `{ ...DRIVER_REPORT_START, ... }` each got a hidden class (map) of their
 * own in V8, so the lines that read a driver's counters every tick saw a
 * thousand shapes on stress-1000 (`--log-ic`: 993 maps at one site) and took
 * the runtime's slowest property lookups, about 0.4 s of that run's CPU on
 * two lines of the driver's step. Instances of one class share their shape.
 */
export class BalloonDriverCounters implements DriverReport {
  inflatedPages = 0;
  deflatedPages = 0;
  releaseMessages = 0;
  requestMessages = 0;
  refusedFrames = 0;
  outOfPuff = 0;
  shortGrants = 0;
  largePages = 0;
  coldReclaimedPages = 0;
  floorHeldPages = 0;
  targetChanges = 0;
  lastTargetChangeMs = 0;
  targetReachedMs = 0;
  inflateToTargetMs = -1;
  deflateToTargetMs = -1;
  /** The largest the balloon has been (the report's peakBalloonPages). */
  peakBalloonPages = 0;
  /** Pages given back on OOM events (deflate-on-OOM). */
  oomDeflatedPages = 0;
}

/** Counters of a driver that has done nothing yet. */
export function newBalloonDriverCounters(): BalloonDriverCounters {
  return new BalloonDriverCounters();
}
