/**
 * A quarantined guest (one that broke the protocol too often): every later
 * message is refused, and nothing changes owner. A release or free page
 * report is answered with its valid frames handed back (the guest still owns
 * them) and nothing accepted; a request with an empty grant.
 */
import type { GuestToHost } from '../../messages/protocol.js';
import { assertNever } from '../../util/assert-never.js';
import type { DeviceContext } from './device-context.js';

/** Refuses a quarantined guest's message (null: one that was malformed). */
export function refuseQuarantined(device: DeviceContext, message: GuestToHost | null): void {
  const account = device.account;
  account.quarantinedMessages++;
  if (message === null) return;
  switch (message.type) {
    case 'request':
      device.sendGrant(message, new Int32Array(0), 'quarantined');
      return;
    case 'release':
      device.queue({ type: 'releaseAck', id: message.id, acceptedFrames: 0, acceptedUnbackedPages: 0, refusedBecause: 'quarantined', ...handBack(device, message.frames) });
      return;
    case 'freePageReport':
      device.queue({ type: 'reportAck', id: message.id, acceptedFrames: 0, refusedBecause: 'quarantined', ...handBack(device, message.frames) });
      return;
    case 'plug':
      account.hotplugFailed++;
      device.queue({ type: 'plugReply', id: message.id, pages: 0, status: 'failed' });
      return;
    case 'pagedOut':
    case 'hostSwapRelease':
    case 'unplug':
      // Frames (and host swap slots) given back are still taken, with the usual checks: that only
      // shrinks what the guest holds, and refusing them would leave the host's books on it wrong.
      device.handle(message);
      return;
    case 'distress':
    case 'oomDeflate':
    case 'activeSample':
      // Nothing to answer: what a quarantined guest says is not heard.
      return;
    default:
      assertNever(message, 'refuseQuarantined');
  }
}

/** The frames of a refused message that are the sender's (named once): handed back, the rest counted as invalid. */
function handBack(device: DeviceContext, frames: Int32Array): { refusedFrames: Int32Array; invalidFrames: number } {
  const refused = new Int32Array(frames.length);
  const kept = new Set<number>();
  const table = device.table;
  const limit = table.frames;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    if (frame >= 0 && frame < limit && !kept.has(frame) && table.ownerOf(frame) === device.account.ownerId) {
      refused[kept.size] = frame;
      kept.add(frame);
    }
  }
  return { refusedFrames: refused.slice(0, kept.size), invalidFrames: frames.length - kept.size };
}
