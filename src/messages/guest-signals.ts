/**
 * What a guest publishes about itself in shared memory instead of sending it
 * as messages: its status (every tick), its virtio statistics (every stats
 * interval) and its Hyper-V style pressure report (every second after the
 * profile's quiet start). The host reads them when a policy or the guard
 * needs them; only protocol actions (releases, requests, distress, ...)
 * travel as messages.
 *
 * Layout of a guest's signals buffer (a SharedArrayBuffer of SIGNALS_BYTES):
 * an Int32 seqlock in the first 8 bytes, then SIGNAL_SLOTS Float64 values.
 * The guest is the only writer: it makes the seqlock odd before it writes and
 * even after (`GuestSignalsWriter`). A reader on another thread copies the
 * values between two reads of the same even seqlock (`readGuestSignals`), so
 * that it never sees half of one report and half of the next.
 *
 * A hostile guest can write anything here: readers treat every value as a
 * claim (policy views and the guard sanitise them; the auditor checks honest
 * guests' figures against what the host saw).
 */
import { VIRTIO_STAT_COUNT } from './virtio-stats.js';

/** The first slot of the virtio stats; the slots after them follow from their count. */
const STATS_SLOT = 6;
const AFTER_STATS = STATS_SLOT + VIRTIO_STAT_COUNT;

/** Float64 slots after the seqlock. Times are the guest's simulated ms; -1 means "not yet". */
export const SignalSlot = {
  /** When the status was last written (every tick), and its three figures, in pages. */
  STATUS_AT_MS: 0,
  BALLOON_PAGES: 1,
  /** Kernel, anonymous and page-cache pages. */
  USED_PAGES: 2,
  /** Free pages, backed or not. */
  FREE_PAGES: 3,
  /** When the virtio stats were last reported, and how many reports so far. */
  STATS_AT_MS: 4,
  STATS_REPORTS: 5,
  /** The 16 virtio stats in tag order (VIRTIO_STAT_TAGS): STATS + tag index. */
  STATS: STATS_SLOT,
  /** When the pressure report was last written, and how many so far. */
  PRESSURE_AT_MS: AFTER_STATS,
  PRESSURE_REPORTS: AFTER_STATS + 1,
  /** MemAvailable, Hyper-V committed memory and the Hyper-V floor, in pages. */
  AVAILABLE_PAGES: AFTER_STATS + 2,
  COMMITTED_PAGES: AFTER_STATS + 3,
  FLOOR_PAGES: AFTER_STATS + 4,
  /** PSI averages as fractions (0 to 1): some over 10, 60, 300 s, then full (PressureFigures' order, messages/runtime.ts). */
  SOME_AVG10: AFTER_STATS + 5,
  SOME_AVG60: AFTER_STATS + 6,
  SOME_AVG300: AFTER_STATS + 7,
  FULL_AVG10: AFTER_STATS + 8,
  FULL_AVG60: AFTER_STATS + 9,
  FULL_AVG300: AFTER_STATS + 10,
  /** Stall time since boot, in seconds. */
  SOME_TOTAL_SECONDS: AFTER_STATS + 11,
  FULL_TOTAL_SECONDS: AFTER_STATS + 12,
} as const;

export const SIGNAL_SLOTS = AFTER_STATS + 13;
/** Bytes of a signals buffer: the seqlock (8 bytes) and the slots. */
export const SIGNALS_BYTES = 8 + SIGNAL_SLOTS * 8;

/** A fresh signals buffer: nothing reported yet (times -1). */
export function allocateGuestSignals(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(SIGNALS_BYTES);
  const values = new Float64Array(buffer, 8, SIGNAL_SLOTS);
  values[SignalSlot.STATUS_AT_MS] = -1;
  values[SignalSlot.STATS_AT_MS] = -1;
  values[SignalSlot.PRESSURE_AT_MS] = -1;
  for (let i = 0; i < VIRTIO_STAT_COUNT; i++) values[SignalSlot.STATS + i] = -1;
  return buffer;
}

/** The guest's side: writes happen between `begin` and `end`. */
export class GuestSignalsWriter {
  private readonly seq: Int32Array;
  readonly values: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength !== SIGNALS_BYTES) throw new RangeError(`GuestSignalsWriter: a signals buffer has ${SIGNALS_BYTES} bytes, got ${buffer.byteLength}`);
    this.seq = new Int32Array(buffer, 0, 2);
    this.values = new Float64Array(buffer, 8, SIGNAL_SLOTS);
  }

  /** Makes the seqlock odd: readers retry until `end`. */
  begin(): void {
    Atomics.add(this.seq, 0, 1);
  }

  /** Makes the seqlock even again: what was written is one consistent report. */
  end(): void {
    Atomics.add(this.seq, 0, 1);
  }
}

/** Reads that may retry before giving up on a guest that keeps writing (free-running mode). */
const READ_TRIES = 64;

/** A reader's view of one guest's signals buffer. */
export class GuestSignalsReader {
  private readonly seq: Int32Array;
  private readonly values: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength !== SIGNALS_BYTES) throw new RangeError(`GuestSignalsReader: a signals buffer has ${SIGNALS_BYTES} bytes, got ${buffer.byteLength}`);
    this.seq = new Int32Array(buffer, 0, 2);
    this.values = new Float64Array(buffer, 8, SIGNAL_SLOTS);
  }

  /**
   * Copies the slots into `out` (SIGNAL_SLOTS values) as one consistent
   * report. Returns false (and leaves `out` as the last try left it) if the
   * guest kept writing for every try, or left the seqlock odd (a guest that
   * died mid-write): callers then use what they had before.
   */
  read(out: Float64Array): boolean {
    for (let tries = 0; tries < READ_TRIES; tries++) {
      const before = Atomics.load(this.seq, 0);
      if ((before & 1) !== 0) continue;
      out.set(this.values);
      if (Atomics.load(this.seq, 0) === before) return true;
    }
    return false;
  }

  /**
   * The slots themselves, not a copy, for a reader on the writer's own
   * thread between the writer's steps (the audit of a thread's own guests):
   * no write can be under way, so no retry and no copy is needed. Null if the
   * seqlock was left odd (a guest that died mid-write): as `read` failing.
   */
  settled(): Float64Array | null {
    return (this.seq[0]! & 1) === 0 ? this.values : null;
  }
}
