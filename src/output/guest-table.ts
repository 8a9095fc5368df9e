/**
 * The table of guests a run's summary is read by, one row a guest: the same
 * columns, in the same order and units, in the summary `balloonsim run`
 * prints (cli/summary-table.ts) and in report.html (output/report-html.ts),
 * which adds its own columns after them.
 */
import { formatBytesApprox as size } from '../model/units.js';
import type { RunSummary } from '../runtime/summary.js';

type GuestSummary = RunSummary['guests'][number];

export const GUEST_TABLE_HEADER: ReadonlyArray<string> = ['guest', 'boot', 'target', 'actual', 'resident', 'balloon', 'peak balloon', 'used', 'oom kills', 'major faults', 'swap out'];

/** A guest's cells under GUEST_TABLE_HEADER: sizes in binary units, counts as `count` writes them. */
export function guestTableRow(g: GuestSummary, count: (value: number) => string): string[] {
  return [
    g.alive ? g.name : `${g.name} (dead)`,
    size(g.bootBytes),
    size(g.targetBytes),
    size(g.actualBytes),
    size(g.residentBytes),
    size(g.balloonBytes),
    size(g.peakBalloonBytes),
    size(g.usedBytes),
    count(g.oomKills),
    count(g.majorFaults),
    count(g.swapOutPages),
  ];
}
