import { FRAMES_PER_MESSAGE_MAX, PAGES_PER_REQUEST_MAX } from '../../messages/limits.js';
import type { GuestToHost } from '../../messages/protocol.js';
import { isCount, isId, type MessageCheck } from './check-values.js';
import { checkHostMemoryMessage } from './host-memory-message-checks.js';
import { checkGuestModelMessage } from './model-message-checks.js';

export type { MessageCheck } from './check-values.js';

/**
 * Checks the shape of a message that came from a guest. Messages cross a
 * thread by structured clone, so a hostile or broken guest can send anything;
 * nothing is believed until it has passed this check.
 */
export function checkGuestMessage(value: unknown): MessageCheck {
  if (typeof value !== 'object' || value === null) return { ok: false, problem: 'not an object' };
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'release':
      if (!isId(message.id)) return { ok: false, problem: 'release without a valid id' };
      if (!(message.frames instanceof Int32Array) || !ArrayBuffer.isView(message.frames)) {
        return { ok: false, problem: 'release whose frames are not an Int32Array' };
      }
      if (message.frames.length > FRAMES_PER_MESSAGE_MAX) {
        return { ok: false, problem: `release of ${message.frames.length} frames (at most ${FRAMES_PER_MESSAGE_MAX})` };
      }
      if (!isCount(message.unbackedPages, PAGES_PER_REQUEST_MAX)) return { ok: false, problem: 'release with an invalid unbackedPages' };
      if (message.largeFrames !== undefined && !isCount(message.largeFrames, message.frames.length)) {
        return { ok: false, problem: `release with largeFrames ${String(message.largeFrames)} (0 to its ${message.frames.length} frames)` };
      }
      return { ok: true, message: value as GuestToHost };
    case 'request':
      if (!isId(message.id)) return { ok: false, problem: 'request without a valid id' };
      if (message.purpose !== 'deflate' && message.purpose !== 'populate' && message.purpose !== 'swapIn') return { ok: false, problem: 'request with an unknown purpose' };
      if (!isCount(message.pages, PAGES_PER_REQUEST_MAX) || message.pages === 0) {
        return { ok: false, problem: `request for ${String(message.pages)} pages (1 to ${PAGES_PER_REQUEST_MAX})` };
      }
      if (typeof message.withFrames !== 'boolean') return { ok: false, problem: 'request without a boolean withFrames' };
      if (message.purpose === 'populate' && !message.withFrames) return { ok: false, problem: 'first-touch request that wants no frames' };
      if (message.purpose === 'swapIn' && !message.withFrames) return { ok: false, problem: 'swap-in request that wants no frames' };
      return { ok: true, message: value as GuestToHost };
    case 'distress':
    case 'freePageReport':
    case 'oomDeflate':
      return checkGuestModelMessage(message, value);
    case 'activeSample':
    case 'pagedOut':
    case 'hostSwapRelease':
    case 'plug':
    case 'unplug':
      return checkHostMemoryMessage(message, value);
    default:
      return { ok: false, problem: `unknown message type ${JSON.stringify(message.type)}` };
  }
}
