/**
 * Shape checks of the messages of the guest memory model (stats, pressure
 * reports, distress, free page reports, deflate-on-OOM), kept apart from the
 * balloon protocol's own checks in message-checks.ts.
 */
import type { GuestToHost } from '../messages/protocol.js';
import type { MessageCheck } from './message-checks.js';

/** Values in a stats message: the 16 virtio tags. */
export const STATS_VALUES = 16;
/** Frames one free page report may carry (32 blocks of 2 MiB at 4 KiB pages is 16384). */
export const REPORT_FRAMES_MAX = 1 << 15;
/** Most pages one OOM event may give back. */
export const OOM_DEFLATE_PAGES_MAX = 1 << 20;
const PAGES_MAX = 2 ** 31;

function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

function isFraction(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}

/** Checks a guest-model message (its `type` is one of stats, pressure, distress, freePageReport, oomDeflate). */
export function checkGuestModelMessage(message: Record<string, unknown>, value: unknown): MessageCheck {
  const ok: MessageCheck = { ok: true, message: value as GuestToHost };
  switch (message.type) {
    case 'stats': {
      const values = message.values;
      if (!(values instanceof Float64Array) || values.length !== STATS_VALUES) return { ok: false, problem: `stats whose values are not a Float64Array of ${STATS_VALUES}` };
      for (let i = 0; i < values.length; i++) {
        const stat = values[i]!;
        if (!(Number.isSafeInteger(stat) && stat >= -1)) return { ok: false, problem: `stats value ${i} is ${stat}, not a whole number >= -1` };
      }
      return ok;
    }
    case 'pressure':
      for (const field of ['availablePages', 'committedPages', 'floorPages'] as const) {
        if (!isCount(message[field], PAGES_MAX)) return { ok: false, problem: `pressure report with an invalid ${field}` };
      }
      for (const field of ['someAvg10', 'someAvg60', 'someAvg300', 'fullAvg10', 'fullAvg60', 'fullAvg300'] as const) {
        if (!isFraction(message[field])) return { ok: false, problem: `pressure report with ${field} ${String(message[field])} (0 to 1)` };
      }
      for (const field of ['someTotalSeconds', 'fullTotalSeconds'] as const) {
        const value = message[field];
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return { ok: false, problem: `pressure report with ${field} ${String(value)} (seconds, at least 0)` };
      }
      return ok;
    case 'distress':
      if (message.reason !== 'stall' && message.reason !== 'oom') return { ok: false, problem: `distress with an unknown reason ${JSON.stringify(message.reason)}` };
      if (!isFraction(message.fullAvg10)) return { ok: false, problem: 'distress with an invalid fullAvg10' };
      if (!isCount(message.availablePages, PAGES_MAX)) return { ok: false, problem: 'distress with an invalid availablePages' };
      return ok;
    case 'freePageReport':
      if (!(typeof message.id === 'number' && Number.isSafeInteger(message.id) && message.id >= 0)) return { ok: false, problem: 'free page report without a valid id' };
      if (!(message.frames instanceof Int32Array) || !ArrayBuffer.isView(message.frames)) return { ok: false, problem: "free page report whose frames are not an Int32Array" };
      if (message.frames.length > REPORT_FRAMES_MAX) return { ok: false, problem: `free page report of ${message.frames.length} frames (at most ${REPORT_FRAMES_MAX})` };
      return ok;
    case 'oomDeflate':
      if (!isCount(message.pages, OOM_DEFLATE_PAGES_MAX) || message.pages === 0) {
        return { ok: false, problem: `oomDeflate of ${String(message.pages)} pages (1 to ${OOM_DEFLATE_PAGES_MAX})` };
      }
      return ok;
    default:
      return { ok: false, problem: `unknown message type ${JSON.stringify(message.type)}` };
  }
}
