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
 * - the stats the guest publishes for the host are plausible: no value
 *   below -1, memory figures within the guest's size, counts since boot
 *   never going down.
 *
 * It runs on the thread that hosts the guest, beside its device side.
 */
import { PageState } from '../guest/page-state.js';
import { Stat, STAT_SLOTS, type GuestSharedViews } from '../guest/shared-memory.js';
import { CUMULATIVE_STATS, MEMORY_STATS, VIRTIO_STAT_COUNT, VirtioStat } from '../messages/virtio-stats.js';
import { SignalSlot, GuestSignalsReader } from '../messages/guest-signals.js';
import type { DeviceAccount } from '../host/device/device-account.js';

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
  Stat.WORK_WANTED_TOTAL,
  Stat.WORK_DONE_TOTAL,
  Stat.REFAULTS_TOTAL,
] as const;

/** Shared stats that are fractions (at most 1). */
const FRACTION_STATS = [Stat.PSI_SOME_AVG10, Stat.PSI_FULL_AVG10, Stat.PROGRESS_AVG10] as const;

/** Where the memory stats and the counts since boot sit among the stats (looked up once: the checks run for every guest, every tick). */
const MEMORY_STAT_INDEXES = Int32Array.from(MEMORY_STATS, (tag) => VirtioStat[tag]);
const CUMULATIVE_STAT_INDEXES = Int32Array.from(CUMULATIVE_STATS, (tag) => VirtioStat[tag]);

/** The status figures a guest publishes every tick, each a page count. */
const STATUS_SLOTS = [SignalSlot.BALLOON_PAGES, SignalSlot.USED_PAGES, SignalSlot.FREE_PAGES] as const;

type Report = (text: string) => void;

/** Remembers what it saw last of one guest, to check that totals never go down. */
export class ModelAudit {
  private readonly lastTotals = new Float64Array(STAT_SLOTS);
  private readonly lastStats = new Float64Array(VIRTIO_STAT_COUNT).fill(-1);
  private lastStatsReports = 0;
  private readonly signals: GuestSignalsReader;

  constructor(views: GuestSharedViews) {
    this.signals = new GuestSignalsReader(views.buffers.signals);
  }

  /** Checks one guest; `report` counts and words a violation. */
  check(account: DeviceAccount, views: GuestSharedViews, pageBytes: number, report: Report): void {
    const name = account.name;
    if (account.alive) {
      const balloon = views.counters[PageState.BALLOON]!;
      if (balloon !== account.balloonPages + account.queuedBalloonPages) {
        report(`guest ${name}: its balloon holds ${balloon} pages, the host counts ${account.balloonPages} and has ${account.queuedBalloonPages} in flight to it`);
      }
    }
    this.checkFigures(account, views, report);
    // The audit runs on the guest's own thread between its steps: it reads the published slots in place.
    const published = this.signals.settled();
    if (published !== null) this.checkPublished(account, published, pageBytes, report);
  }

  private checkFigures(account: DeviceAccount, views: GuestSharedViews, report: Report): void {
    const name = account.name;
    const stats = views.stats;
    const last = this.lastTotals;
    for (let slot = 0; slot < STAT_SLOTS; slot++) {
      const value = stats[slot]!;
      if (!(Number.isFinite(value) && value >= 0)) report(`guest ${name}: running figure ${slot} is ${value}`);
    }
    for (const slot of TOTALS) {
      if (stats[slot]! < last[slot]!) report(`guest ${name}: total ${slot} went down from ${last[slot]} to ${stats[slot]}`);
      last[slot] = stats[slot]!;
    }
    for (const slot of FRACTION_STATS) {
      if (stats[slot]! > 1) report(`guest ${name}: figure ${slot} is ${stats[slot]}, above 1`);
    }
    if (stats[Stat.WORK_DONE_TOTAL]! > stats[Stat.WORK_WANTED_TOTAL]!) {
      report(`guest ${name}: its workload did ${stats[Stat.WORK_DONE_TOTAL]} units of work but wanted only ${stats[Stat.WORK_WANTED_TOTAL]}`);
    }
    const swap = stats[Stat.SWAP_PAGES]!;
    if (swap > account.swapPages) report(`guest ${name}: uses ${swap} swap pages of a ${account.swapPages}-page device`);
    if (swap > stats[Stat.SWAP_OUT_TOTAL]! - stats[Stat.SWAP_IN_TOTAL]!) {
      report(`guest ${name}: ${swap} pages in swap, but only ${stats[Stat.SWAP_OUT_TOTAL]! - stats[Stat.SWAP_IN_TOTAL]!} were written and not read back`);
    }
    if (!account.alive) return;
    if (stats[Stat.DEFLATE_ON_OOM_PAGES_TOTAL] !== account.oomDeflatedPages) {
      report(`guest ${name}: gave back ${stats[Stat.DEFLATE_ON_OOM_PAGES_TOTAL]} pages on OOM events, the host heard of ${account.oomDeflatedPages}`);
    }
    if (stats[Stat.REPORTED_FREE_PAGES_TOTAL] !== account.reportedFreeFrames) {
      report(`guest ${name}: reported ${stats[Stat.REPORTED_FREE_PAGES_TOTAL]} free pages, the host took ${account.reportedFreeFrames}`);
    }
    if (stats[Stat.DISTRESS_TOTAL] !== account.distressMessages) {
      report(`guest ${name}: sent ${stats[Stat.DISTRESS_TOTAL]} distress messages, the host heard ${account.distressMessages}`);
    }
  }

  /** The status, stats and pressure report the guest publishes for the host. */
  private checkPublished(account: DeviceAccount, values: Float64Array, pageBytes: number, report: Report): void {
    const name = account.name;
    if (!account.alive) return;
    if (values[SignalSlot.STATUS_AT_MS]! >= 0) {
      for (const slot of STATUS_SLOTS) {
        const value = values[slot]!;
        if (!(Number.isSafeInteger(value) && value >= 0 && value <= account.pages)) report(`guest ${name}: its status figure ${slot} is ${value}, not a page count within its ${account.pages} pages`);
      }
    }
    if (values[SignalSlot.PRESSURE_AT_MS]! >= 0) {
      const available = values[SignalSlot.AVAILABLE_PAGES]!;
      const floor = values[SignalSlot.FLOOR_PAGES]!;
      const committed = values[SignalSlot.COMMITTED_PAGES]!;
      if (!(available <= account.pages && floor <= account.pages)) {
        report(`guest ${name}: its pressure report says ${available} pages available and a floor of ${floor}, of ${account.pages}`);
      }
      if (!(committed >= floor)) report(`guest ${name}: its pressure report commits ${committed} pages, less than its floor ${floor}`);
      for (let slot = SignalSlot.SOME_AVG10; slot <= SignalSlot.FULL_AVG300; slot++) {
        if (!(values[slot]! >= 0 && values[slot]! <= 1)) report(`guest ${name}: its pressure report's figure ${slot} is ${values[slot]}, not a fraction`);
      }
    }
    if (values[SignalSlot.STATS_AT_MS]! >= 0) this.checkStats(account, values, pageBytes, report);
  }

  /** A new stats report (only then: the guest writes them every stats interval) is checked, and against the last one. */
  private checkStats(account: DeviceAccount, values: Float64Array, pageBytes: number, report: Report): void {
    const reports = values[SignalSlot.STATS_REPORTS]!;
    if (reports === this.lastStatsReports) return;
    const name = account.name;
    const maxBytes = account.pages * pageBytes;
    for (let i = 0; i < VIRTIO_STAT_COUNT; i++) {
      const stat = values[SignalSlot.STATS + i]!;
      if (!(Number.isSafeInteger(stat) && stat >= -1)) report(`guest ${name}: stat ${i} is ${stat}, not a whole number >= -1`);
    }
    for (let k = 0; k < MEMORY_STAT_INDEXES.length; k++) {
      const value = values[SignalSlot.STATS + MEMORY_STAT_INDEXES[k]!]!;
      if (value > maxBytes) report(`guest ${name}: stat ${MEMORY_STATS[k]} is ${value} bytes, more than its ${maxBytes}`);
    }
    if (this.lastStatsReports > 0) {
      for (let k = 0; k < CUMULATIVE_STAT_INDEXES.length; k++) {
        const index = CUMULATIVE_STAT_INDEXES[k]!;
        if (values[SignalSlot.STATS + index]! < this.lastStats[index]!) report(`guest ${name}: stat ${CUMULATIVE_STATS[k]} went down from ${this.lastStats[index]} to ${values[SignalSlot.STATS + index]}`);
      }
    }
    for (let i = 0; i < VIRTIO_STAT_COUNT; i++) this.lastStats[i] = values[SignalSlot.STATS + i]!;
    this.lastStatsReports = reports;
  }
}
