/**
 * What the host keeps of the guest memory model's messages (stats, pressure
 * reports, distress, free page reports, deflate-on-OOM), so that policies can
 * read a guest's latest figures and the auditor can check them.
 */
import type { DistressReason, PressureMessage } from '../messages/protocol.js';

/** A guest's latest stats, pressure report and distress, as the host last heard them. */
export interface GuestSignalsHeard {
  /** The 16 virtio stats in tag order (see guest/virtio-stats.ts), or null before the first. Read only. */
  stats: Float64Array | null;
  statsAtMs: number;
  statsMessages: number;
  pressure: Omit<PressureMessage, 'type'> | null;
  pressureAtMs: number;
  distressMessages: number;
  /** When the last distress message came (-1: never), and why. */
  lastDistressAtMs: number;
  lastDistressReason: DistressReason | null;
  /** Frames the guest gave back by free page reporting (accepted by the host). */
  reportedFreeFrames: number;
  /** Pages the guest took back from its balloon on OOM events (deflate-on-OOM). */
  oomDeflatedPages: number;
}

export function noSignalsHeard(): GuestSignalsHeard {
  return {
    stats: null,
    statsAtMs: -1,
    statsMessages: 0,
    pressure: null,
    pressureAtMs: -1,
    distressMessages: 0,
    lastDistressAtMs: -1,
    lastDistressReason: null,
    reportedFreeFrames: 0,
    oomDeflatedPages: 0,
  };
}

/** One in this many single pages that a VMware guest names in a release is refused by the host (approx.: pages the host cannot take at that moment). */
export const SINGLE_PAGE_REFUSAL_ODDS = 2048;

/**
 * Whether the host refuses to take this single page (VMware: "the host may
 * refuse single pages"). A hash of the frame and the message id, so that the
 * choice is deterministic and a page refused once is usually taken next time.
 */
export function hostRefusesSinglePage(frame: number, messageId: number): boolean {
  let h = Math.imul(frame ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(messageId | 0, 0x165667b1) ^ Math.floor(messageId / 2 ** 32);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % SINGLE_PAGE_REFUSAL_ODDS === 0;
}
