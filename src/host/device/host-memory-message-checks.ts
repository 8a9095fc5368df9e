/**
 * Shape checks of the messages of host memory management (active-memory
 * samples, host paging and growth past the boot size), kept apart from the
 * balloon protocol's checks in message-checks.ts and the guest model's in
 * model-message-checks.ts.
 */
import { HOST_MEMORY_FRAMES_MAX } from '../../messages/limits.js';
import type { GuestToHost } from '../../messages/protocol.js';
import { isCount, isFrames as isBatch, isId, type MessageCheck } from './check-values.js';

/** Most pages one sample, plug or host swap release may count. */
const PAGES_MAX = 2 ** 31 - 1;

function isFrames(value: unknown): value is Int32Array {
  return isBatch(value, HOST_MEMORY_FRAMES_MAX);
}

/** Checks a host-memory message (its `type` is one of activeSample, pagedOut, hostSwapRelease, plug, unplug). */
export function checkHostMemoryMessage(message: Record<string, unknown>, value: unknown): MessageCheck {
  const ok: MessageCheck = { ok: true, message: value as GuestToHost };
  switch (message.type) {
    case 'activeSample':
      if (!isId(message.id)) return { ok: false, problem: 'activeSample without a valid id' };
      if (!isCount(message.sampledPages, PAGES_MAX)) return { ok: false, problem: `activeSample of ${String(message.sampledPages)} pages` };
      if (!isCount(message.touchedPages, message.sampledPages)) {
        return { ok: false, problem: `activeSample with ${String(message.touchedPages)} touched of ${message.sampledPages} sampled pages` };
      }
      return ok;
    case 'pagedOut':
      if (!isId(message.id)) return { ok: false, problem: 'pagedOut without a valid id' };
      if (!isFrames(message.frames)) return { ok: false, problem: `pagedOut whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}` };
      return ok;
    case 'hostSwapRelease':
      if (!isCount(message.discardedPages, PAGES_MAX) || !isCount(message.readPages, PAGES_MAX)) {
        return { ok: false, problem: `hostSwapRelease of ${String(message.discardedPages)} discarded and ${String(message.readPages)} read pages` };
      }
      if (!isFrames(message.frames)) return { ok: false, problem: `hostSwapRelease whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}` };
      return ok;
    case 'plug':
      if (!isId(message.id)) return { ok: false, problem: 'plug without a valid id' };
      if (!isCount(message.pages, PAGES_MAX) || message.pages === 0) return { ok: false, problem: `plug of ${String(message.pages)} pages (at least 1)` };
      return ok;
    case 'unplug':
      if (!isId(message.id)) return { ok: false, problem: 'unplug without a valid id' };
      if (!isFrames(message.frames)) return { ok: false, problem: `unplug whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}` };
      if (!isCount(message.unbackedPages, PAGES_MAX)) return { ok: false, problem: `unplug with ${String(message.unbackedPages)} unbacked pages` };
      return ok;
    default:
      return { ok: false, problem: `unknown message type ${JSON.stringify(message.type)}` };
  }
}
