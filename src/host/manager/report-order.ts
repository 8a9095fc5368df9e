import type { HostReport } from '../device/device-group.js';

/**
 * The threads' reports of one tick as one report in guest order: events and
 * distress guest by guest (each guest's in the order it happened), frames
 * surrendered shard by shard. Threads host shards dealt round robin
 * (shards.ts), so their reports interleave guests; the manager must see
 * them in the order one thread hosting every guest would have reported
 * them, or the event log, back-pressure and the frames each shard adopts
 * would depend on the placement.
 */
export function inGuestOrder(reports: ReadonlyArray<HostReport>): HostReport {
  if (reports.length === 1) {
    // One thread's entries are in guest order already; only the failures are put in frame order, as below.
    reports[0]!.transferFailureDetails.sort(byFrame);
    return reports[0]!;
  }
  const merged: HostReport = { events: [], distress: [], surrendered: [], framesMoved: 0, messagesHandled: 0, transferFailures: 0, transferFailureDetails: [] };
  for (const report of reports) {
    append(merged.events, report.events);
    append(merged.distress, report.distress);
    append(merged.surrendered, report.surrendered);
    merged.framesMoved += report.framesMoved;
    merged.messagesHandled += report.messagesHandled;
    merged.transferFailures += report.transferFailures;
    append(merged.transferFailureDetails, report.transferFailureDetails);
  }
  // Stable sorts: each thread's entries for one guest (or shard) keep their order.
  merged.events.sort((a, b) => a.guest - b.guest);
  merged.distress.sort((a, b) => a.guest - b.guest);
  merged.surrendered.sort((a, b) => a.shard - b.shard);
  // The first failures of each thread, in frame order: the same order wherever the guests ran.
  merged.transferFailureDetails.sort(byFrame);
  return merged;
}

function byFrame(a: { frame: number }, b: { frame: number }): number {
  return a.frame - b.frame;
}

/**
 * Appends one by one: push(...items) passes every item as an argument, and a
 * thread's events of one tick can number hundreds of thousands (hostile
 * guests flooding the host), which overflow the stack.
 */
function append<T>(into: T[], items: ReadonlyArray<T>): void {
  for (const item of items) into.push(item);
}
