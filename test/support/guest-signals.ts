/**
 * What a guest publishes about itself in shared memory (status, virtio
 * stats, pressure report), written by a test in place of a guest actor, as
 * the guest's GuestSignals would write it (src/guest/guest-signals.ts).
 */
import { GuestSignalsWriter, SignalSlot } from '../../src/messages/guest-signals.js';
import { VIRTIO_STAT_TAGS, type VirtioStatTag } from '../../src/messages/virtio-stats.js';

export interface PublishedStatus {
  balloonPages: number;
  usedPages: number;
  freePages: number;
}

export interface PublishedPressure {
  availablePages: number;
  committedPages: number;
  floorPages?: number;
  /** PSI averages over 10, 60 and 300 s (fractions). */
  some?: [number, number, number];
  full?: [number, number, number];
  someTotalSeconds?: number;
  fullTotalSeconds?: number;
}

function write(buffer: SharedArrayBuffer, fill: (values: Float64Array) => void): void {
  const writer = new GuestSignalsWriter(buffer);
  writer.begin();
  fill(writer.values);
  writer.end();
}

/** The guest's status at `nowMs` (what a status message used to carry). */
export function publishStatus(buffer: SharedArrayBuffer, nowMs: number, status: PublishedStatus): void {
  write(buffer, (values) => {
    values[SignalSlot.STATUS_AT_MS] = nowMs;
    values[SignalSlot.BALLOON_PAGES] = status.balloonPages;
    values[SignalSlot.USED_PAGES] = status.usedPages;
    values[SignalSlot.FREE_PAGES] = status.freePages;
  });
}

/** Virtio stats at `nowMs`: the tags given (others are published as -1, unreported). */
export function publishStats(buffer: SharedArrayBuffer, nowMs: number, stats: Partial<Record<VirtioStatTag, number>>): void {
  write(buffer, (values) => {
    values[SignalSlot.STATS_AT_MS] = nowMs;
    values[SignalSlot.STATS_REPORTS] = values[SignalSlot.STATS_REPORTS]! + 1;
    VIRTIO_STAT_TAGS.forEach((tag, index) => {
      values[SignalSlot.STATS + index] = stats[tag] ?? -1;
    });
  });
}

/** A Hyper-V style pressure report at `nowMs`. */
export function publishPressure(buffer: SharedArrayBuffer, nowMs: number, report: PublishedPressure): void {
  write(buffer, (values) => {
    values[SignalSlot.PRESSURE_AT_MS] = nowMs;
    values[SignalSlot.PRESSURE_REPORTS] = values[SignalSlot.PRESSURE_REPORTS]! + 1;
    values[SignalSlot.AVAILABLE_PAGES] = report.availablePages;
    values[SignalSlot.COMMITTED_PAGES] = report.committedPages;
    values[SignalSlot.FLOOR_PAGES] = report.floorPages ?? 0;
    const some = report.some ?? [0, 0, 0];
    const full = report.full ?? [0, 0, 0];
    values[SignalSlot.SOME_AVG10] = some[0];
    values[SignalSlot.SOME_AVG60] = some[1];
    values[SignalSlot.SOME_AVG300] = some[2];
    values[SignalSlot.FULL_AVG10] = full[0];
    values[SignalSlot.FULL_AVG60] = full[1];
    values[SignalSlot.FULL_AVG300] = full[2];
    values[SignalSlot.SOME_TOTAL_SECONDS] = report.someTotalSeconds ?? 0;
    values[SignalSlot.FULL_TOTAL_SECONDS] = report.fullTotalSeconds ?? 0;
  });
}
