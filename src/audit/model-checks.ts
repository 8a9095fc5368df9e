/**
 * Audit checks of the guest memory model's figures and messages, from outside
 * the actors (O(guests) per pass, run with the quick audit):
 *
 * - balloon agreement: the pages a guest holds in its balloon are the pages
 *   the host counts in it plus those in messages still in flight to the guest
 *   (deflate grants, refused release pages); this covers release, releaseAck,
 *   deflate requests and grants, and deflate-on-OOM;
 * - the guest's published running figures are finite, never negative, and
 *   totals never go down; swap use is within the device and within what was
 *   written and not read back;
 * - what the host heard agrees with what the guest published: every page
 *   given back on OOM events, every frame reported free, every distress
 *   message; pressure reports stay within the guest's size;
 * - the last stats the host received are plausible: no value below -1,
 *   memory figures within the guest's size, counts since boot never going down.
 */
import { PageState } from '../guest/page-state.js';
import { Stat, STAT_SLOTS, type GuestSharedViews } from '../guest/shared-memory.js';
import { CUMULATIVE_STATS, MEMORY_STATS, VirtioStat } from '../balloon/virtio-stats.js';
import type { GuestAccount } from '../host/guest-account.js';

/** Shared stats that are totals since boot. */
const TOTALS = [
  Stat.SWAP_IN_TOTAL,
  Stat.SWAP_OUT_TOTAL,
  Stat.MAJOR_FAULTS_TOTAL,
  Stat.MINOR_FAULTS_TOTAL,
  Stat.STALL_SECONDS_TOTAL,
  Stat.OOM_KILLS_TOTAL,
  Stat.OOM_EVENTS_TOTAL,
  Stat.DEFLATE_ON_OOM_PAGES_TOTAL,
  Stat.REPORTED_FREE_PAGES_TOTAL,
  Stat.DISTRESS_TOTAL,
] as const;

type Report = (text: string) => void;

/** Remembers what it saw last, to check that totals never go down. */
export class ModelAudit {
  private readonly lastTotals: Float64Array[];
  private readonly lastStats: Array<Float64Array | null>;

  constructor(guests: number) {
    this.lastTotals = Array.from({ length: guests }, () => new Float64Array(STAT_SLOTS));
    this.lastStats = Array.from({ length: guests }, () => null);
  }

  /** Checks one guest; `report` counts and words a violation. */
  check(account: GuestAccount, views: GuestSharedViews, pageBytes: number, report: Report): void {
    const name = account.name;
    if (account.alive) {
      const balloon = Atomics.load(views.counters, PageState.BALLOON);
      if (balloon !== account.balloonPages + account.queuedBalloonPages) {
        report(`guest ${name}: its balloon holds ${balloon} pages, the host counts ${account.balloonPages} and has ${account.queuedBalloonPages} in flight to it`);
      }
    }
    this.checkFigures(account, views, report);
    this.checkHeardStats(account, pageBytes, report);
  }

  private checkFigures(account: GuestAccount, views: GuestSharedViews, report: Report): void {
    const name = account.name;
    const stats = views.stats;
    const last = this.lastTotals[account.index]!;
    for (let slot = 0; slot < STAT_SLOTS; slot++) {
      const value = stats[slot]!;
      if (!(Number.isFinite(value) && value >= 0)) report(`guest ${name}: running figure ${slot} is ${value}`);
    }
    for (const slot of TOTALS) {
      if (stats[slot]! < last[slot]!) report(`guest ${name}: total ${slot} went down from ${last[slot]} to ${stats[slot]}`);
      last[slot] = stats[slot]!;
    }
    for (const slot of [Stat.PSI_SOME_AVG10, Stat.PSI_FULL_AVG10]) {
      if (stats[slot]! > 1) report(`guest ${name}: pressure figure ${slot} is ${stats[slot]}, above 1`);
    }
    const swap = stats[Stat.SWAP_PAGES]!;
    if (swap > account.swapPages) report(`guest ${name}: uses ${swap} swap pages of a ${account.swapPages}-page device`);
    if (swap > stats[Stat.SWAP_OUT_TOTAL]! - stats[Stat.SWAP_IN_TOTAL]!) {
      report(`guest ${name}: ${swap} pages in swap, but only ${stats[Stat.SWAP_OUT_TOTAL]! - stats[Stat.SWAP_IN_TOTAL]!} were written and not read back`);
    }
    if (!account.alive) return;
    const heard = account.heard;
    if (stats[Stat.DEFLATE_ON_OOM_PAGES_TOTAL] !== heard.oomDeflatedPages) {
      report(`guest ${name}: gave back ${stats[Stat.DEFLATE_ON_OOM_PAGES_TOTAL]} pages on OOM events, the host heard of ${heard.oomDeflatedPages}`);
    }
    if (stats[Stat.REPORTED_FREE_PAGES_TOTAL] !== heard.reportedFreeFrames) {
      report(`guest ${name}: reported ${stats[Stat.REPORTED_FREE_PAGES_TOTAL]} free pages, the host took ${heard.reportedFreeFrames}`);
    }
    if (stats[Stat.DISTRESS_TOTAL] !== heard.distressMessages) {
      report(`guest ${name}: sent ${stats[Stat.DISTRESS_TOTAL]} distress messages, the host heard ${heard.distressMessages}`);
    }
    const pressure = heard.pressure;
    if (pressure !== null) {
      if (pressure.availablePages > account.pages || pressure.floorPages > account.pages) {
        report(`guest ${name}: its pressure report says ${pressure.availablePages} pages available and a floor of ${pressure.floorPages}, of ${account.pages}`);
      }
      if (pressure.committedPages < pressure.floorPages) report(`guest ${name}: its pressure report commits ${pressure.committedPages} pages, less than its floor ${pressure.floorPages}`);
    }
  }

  private checkHeardStats(account: GuestAccount, pageBytes: number, report: Report): void {
    const stats = account.heard.stats;
    if (stats === null) return;
    const name = account.name;
    const maxBytes = account.pages * pageBytes;
    for (let i = 0; i < stats.length; i++) {
      if (!(stats[i]! >= -1)) report(`guest ${name}: stat ${i} is ${stats[i]}`);
    }
    for (const tag of MEMORY_STATS) {
      if (stats[VirtioStat[tag]]! > maxBytes) report(`guest ${name}: stat ${tag} is ${stats[VirtioStat[tag]]} bytes, more than its ${maxBytes}`);
    }
    const previous = this.lastStats[account.index];
    if (previous !== null && previous !== undefined && previous !== stats) {
      for (const tag of CUMULATIVE_STATS) {
        const index = VirtioStat[tag];
        if (stats[index]! < previous[index]!) report(`guest ${name}: stat ${tag} went down from ${previous[index]} to ${stats[index]}`);
      }
    }
    this.lastStats[account.index] = stats;
  }
}
