/**
 * A quarantined guest (one that broke the protocol too often): every later
 * message is refused, and nothing changes owner. A release or free page
 * report is answered with its valid frames handed back (the guest still owns
 * them) and nothing accepted; a request with an empty grant.
 */
import type { GuestToHost } from '../../messages/protocol.js';
import { assertNever } from '../../util/assert-never.js';
import type { DeviceContext } from './device-context.js';
import { runAt } from './frame-return.js';

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

/**
 * The frames of a refused message that are the sender's (named once): handed
 * back, in the order named, the rest counted as invalid.
 *
 * A list that names no frame twice (what an honest driver sends: runs of
 * frames, none overlapping another) needs no memory of what came before;
 * only one that names a frame twice goes through a set. Either way the answer
 * is the same. Owners are read plainly: a frame becomes this guest's, or
 * stops being its own, only through this device side, on this thread; any
 * other frame is not the guest's before or after a concurrent change.
 */
function handBack(device: DeviceContext, frames: Int32Array): { refusedFrames: Int32Array; invalidFrames: number } {
  const refused = new Int32Array(frames.length);
  const owners = device.table.owners;
  const limit = owners.length;
  const ownerId = device.account.ownerId;
  let kept = 0;
  if (!namesTwice(frames, limit)) {
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame >= 0 && frame < limit && owners[frame] === ownerId) refused[kept++] = frame;
    }
  } else {
    const named = new Set<number>();
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame >= 0 && frame < limit && !named.has(frame) && owners[frame] === ownerId) {
        refused[kept++] = frame;
        named.add(frame);
      }
    }
  }
  return { refusedFrames: refused.slice(0, kept), invalidFrames: frames.length - kept };
}

/** Runs a list may be cut into for `namesTwice` to compare them pairwise; past that it sorts a copy. */
const RUNS_COMPARED_MAX = 64;

/**
 * Whether `frames` names a frame twice: whether two of its runs (frames in a
 * row going up or down by one inside [0, limit), as takeBackFrames finds
 * them; a frame outside is a run of its own) overlap, as a run holds every
 * frame between its ends; for a list of many runs, whether a sorted copy has
 * two equal neighbours.
 */
export function namesTwice(frames: Int32Array, limit: number): boolean {
  const runLow: number[] = [];
  const runHigh: number[] = [];
  for (let i = 0; i < frames.length; ) {
    const run = runAt(frames, i, limit);
    const count = run === 0 ? 1 : Math.abs(run);
    const first = frames[i]!;
    const last = frames[i + count - 1]!;
    if (runLow.length === RUNS_COMPARED_MAX) return hasEqualNeighbours(frames.slice().sort());
    runLow.push(Math.min(first, last));
    runHigh.push(Math.max(first, last));
    i += count;
  }
  for (let a = 0; a < runLow.length; a++) {
    for (let b = a + 1; b < runLow.length; b++) if (runLow[a]! <= runHigh[b]! && runLow[b]! <= runHigh[a]!) return true;
  }
  return false;
}

function hasEqualNeighbours(sorted: Int32Array): boolean {
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return true;
  return false;
}
