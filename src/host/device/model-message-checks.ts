/**
 * Shape checks of the messages of the guest memory model (distress, free
 * page reports, deflate-on-OOM), kept apart from the
 * balloon protocol's own checks in message-checks.ts.
 */
import { OOM_DEFLATE_PAGES_MAX, REPORT_FRAMES_MAX } from '../../messages/limits.js';
import type { GuestToHost } from '../../messages/protocol.js';
import { isCount, isFraction, isFrames, isId, type MessageCheck } from './check-values.js';

const PAGES_MAX = 2 ** 31;

/** Checks a guest-model message (its `type` is one of distress, freePageReport, oomDeflate). */
export function checkGuestModelMessage(message: Record<string, unknown>, value: unknown): MessageCheck {
  const ok: MessageCheck = { ok: true, message: value as GuestToHost };
  switch (message.type) {
    case 'distress':
      if (message.reason !== 'stall' && message.reason !== 'oom') return { ok: false, problem: `distress with an unknown reason ${JSON.stringify(message.reason)}` };
      if (!isFraction(message.fullAvg10)) return { ok: false, problem: 'distress with an invalid fullAvg10' };
      if (!isCount(message.availablePages, PAGES_MAX)) return { ok: false, problem: 'distress with an invalid availablePages' };
      return ok;
    case 'freePageReport':
      if (!isId(message.id)) return { ok: false, problem: 'free page report without a valid id' };
      if (!isFrames(message.frames, Number.MAX_SAFE_INTEGER)) return { ok: false, problem: 'free page report whose frames are not an Int32Array' };
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
