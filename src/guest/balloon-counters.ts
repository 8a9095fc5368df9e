/** What the balloon driver counts for its guest's report (guest-actor.ts). */
import { DRIVER_REPORT_START, type DriverReport } from '../messages/runtime.js';

/** Counters the driver keeps: those of its report (messages/runtime.ts DRIVER_REPORT_START), and two the guest reports elsewhere. */
export interface BalloonDriverCounters extends DriverReport {
  /** The largest the balloon has been (the report's peakBalloonPages). */
  peakBalloonPages: number;
  /** Pages given back on OOM events (deflate-on-OOM). */
  oomDeflatedPages: number;
}

/** Counters of a driver that has done nothing yet. */
export function newBalloonDriverCounters(): BalloonDriverCounters {
  return { ...DRIVER_REPORT_START, peakBalloonPages: 0, oomDeflatedPages: 0 };
}
