/**
 * What a policy reads of a guest's own signals: the virtio stats, the Hyper-V
 * style pressure report and its PSI figures that the guest publishes in
 * shared memory (messages/guest-signals.ts), and whether it is in distress.
 * A guest's figures are claims: values that are not plausible numbers read
 * as unreported, so that a hostile or broken guest cannot feed a policy NaN.
 */
import { SignalSlot } from '../../messages/guest-signals.js';
import { VIRTIO_STAT_COUNT, VIRTIO_STAT_TAGS, unreportedStats } from '../../messages/virtio-stats.js';
import type { GuestRecord } from './guest-record.js';
import type { GuestStats, PressureReport, PsiFigures, VirtioStatTag } from '../policy/policy.js';

/** A guest counts as distressed for this long after its last distress message (guests repeat it at most once a second). */
export const DISTRESS_HOLD_MS = 5000;

/** Statistics with every tag unknown (-1). */
export function unknownStats(): Record<VirtioStatTag, number> {
  return unreportedStats();
}

/** A count or size as a guest published it: a whole number >= 0, or -1 if it is not one. */
function published(value: number): number {
  return Number.isSafeInteger(value) && value >= 0 ? value : -1;
}

/** A fraction as published: within 0..1, or 0 if it is not a number. */
function fraction(value: number): number {
  return value >= 0 && value <= 1 ? value : value > 1 ? 1 : 0;
}

/** Seconds as published: finite and >= 0, else 0. */
function seconds(value: number): number {
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

/** The stats a view shows, keyed by tag (-1 until reported): a fresh record, frozen so that a policy cannot change it. */
export function statsOf(values: Float64Array): GuestStats {
  const record = {} as Record<VirtioStatTag, number>;
  const reported = values[SignalSlot.STATS_AT_MS]! >= 0;
  for (let index = 0; index < VIRTIO_STAT_COUNT; index++) record[VIRTIO_STAT_TAGS[index]!] = reported ? published(values[SignalSlot.STATS + index]!) : -1;
  return Object.freeze(record);
}

/** Whether the guest has published a pressure report. */
export function hasPressureReport(values: Float64Array): boolean {
  return values[SignalSlot.PRESSURE_AT_MS]! >= 0;
}

/** MemAvailable of the last pressure report, in pages (-1 if none or not plausible). */
export function pressureAvailablePages(values: Float64Array): number {
  return hasPressureReport(values) ? published(values[SignalSlot.AVAILABLE_PAGES]!) : -1;
}

/**
 * The signals a policy reads: stats by tag (-1 until reported), the pressure
 * report and its stall figures (null until the first report), and distress
 * (true for DISTRESS_HOLD_MS after the last distress message).
 */
export function signalsOf(record: GuestRecord, nowMs: number): {
  stats: GuestStats;
  pressure: PressureReport | null;
  psi: PsiFigures | null;
  distressed: boolean;
} {
  const values = record.signals();
  const reported = hasPressureReport(values);
  return {
    stats: statsOf(values),
    pressure: reported ? { availablePages: Math.max(0, published(values[SignalSlot.AVAILABLE_PAGES]!)), committedPages: Math.max(0, published(values[SignalSlot.COMMITTED_PAGES]!)) } : null,
    psi: reported
      ? {
          someTotalSeconds: seconds(values[SignalSlot.SOME_TOTAL_SECONDS]!),
          fullTotalSeconds: seconds(values[SignalSlot.FULL_TOTAL_SECONDS]!),
          someAvg10: fraction(values[SignalSlot.SOME_AVG10]!),
          someAvg60: fraction(values[SignalSlot.SOME_AVG60]!),
          someAvg300: fraction(values[SignalSlot.SOME_AVG300]!),
          fullAvg10: fraction(values[SignalSlot.FULL_AVG10]!),
          fullAvg60: fraction(values[SignalSlot.FULL_AVG60]!),
          fullAvg300: fraction(values[SignalSlot.FULL_AVG300]!),
        }
      : null,
    distressed: isDistressed(record, nowMs),
  };
}

/** True for DISTRESS_HOLD_MS after the guest's last distress message. */
export function isDistressed(record: GuestRecord, nowMs: number): boolean {
  return record.lastDistressAtMs >= 0 && nowMs - record.lastDistressAtMs <= DISTRESS_HOLD_MS;
}

/** The guest's last status (used and free pages), or null before the first. */
export function statusOf(record: GuestRecord): { balloonPages: number; usedPages: number; freePages: number } | null {
  const values = record.signals();
  if (!(values[SignalSlot.STATUS_AT_MS]! >= 0)) return null;
  return {
    balloonPages: Math.max(0, published(values[SignalSlot.BALLOON_PAGES]!)),
    usedPages: Math.max(0, published(values[SignalSlot.USED_PAGES]!)),
    freePages: Math.max(0, published(values[SignalSlot.FREE_PAGES]!)),
  };
}
