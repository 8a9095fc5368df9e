/**
 * The device side's handlers of the balloon protocol's messages: releases
 * (inflate), requests (deflate and first touch), free page reports and
 * deflate-on-OOM. Every frame a guest names is checked by a compare-exchange
 * on the shared table (frame-return.ts).
 */
import type { FreePageReportMessage, OomDeflateMessage, ReleaseMessage, RequestMessage } from '../../messages/protocol.js';
import { emptyFrameReturn, takeBackFrames } from './frame-return.js';
import type { DeviceContext } from './device-context.js';
import { hostRefusesSinglePage } from './vmware-refusals.js';

/** No frames: shared by every answer that names none (a zero-length array cannot be written). */
const NO_FRAMES = new Int32Array(0);

/** Where `takeBackFrames` writes what became of a message's frames: one for the thread, read before the next message. */
const returned = emptyFrameReturn();

/**
 * Inflate: moves every frame that is in range and the sender's to the
 * shard's pool, each by one compare-exchange from the sender to the pool,
 * which is itself the ownership check. Bad frame numbers (out of range,
 * not the sender's, named twice) are counted as violations and left where
 * they were. The frames are read where they arrived, without a copy.
 */
export function handleRelease(device: DeviceContext, message: ReleaseMessage): void {
  const account = device.account;
  const refuses = account.profile === 'vmware' ? vmwareRefusals(message) : null;
  const frames = message.frames;
  const { accepted, refused, invalid, invalidBecause: firstReason } = takeBackFrames(device.table, device.pool, account.ownerId, frames, refuses, returned);
  let invalidBecause = firstReason;
  if (invalid > 0) device.violation(`release ${message.id}: ${invalid} of ${frames.length} frames refused (${invalidBecause})`);
  account.ownedFrames -= accepted;
  account.balloonPages += accepted;
  let acceptedUnbacked = message.unbackedPages;
  if (acceptedUnbacked > account.unbackedPages) {
    device.violation(`release ${message.id}: ${acceptedUnbacked} unbacked pages, the guest has ${account.unbackedPages}`);
    acceptedUnbacked = 0;
    invalidBecause ??= 'over-limit';
  }
  account.balloonPages += acceptedUnbacked;
  // Refused pages stay in the guest's balloon until it reads the ack. (Unbacked pages are refused
  // only when the guest claimed more than it has: a lie, not pages in its balloon.)
  account.queuedBalloonPages += refused.length;
  device.queueReleaseAck(message.id, accepted, refused, invalid, acceptedUnbacked, invalidBecause);
}

/**
 * VMware's host may refuse single pages of a release (never those of 2 MiB
 * pages); the guest keeps them. (A function of its own: a closure made in
 * `handleRelease` would cost every release a context, VMware's or not.)
 */
function vmwareRefusals(message: ReleaseMessage): (frame: number, position: number) => boolean {
  const singleFrom = message.largeFrames ?? 0;
  return (frame, position) => position >= singleFrom && hostRefusesSinglePage(frame, message.id);
}

/** Deflate or first touch: grants what the pool can give, up to what the guest is entitled to. */
export function handleRequest(device: DeviceContext, message: RequestMessage): void {
  const account = device.account;
  const entitled = message.purpose === 'deflate' ? account.deflatablePages : account.unbackedPages;
  if (message.pages > entitled) {
    device.violation(`request ${message.id}: ${message.pages} pages to ${message.purpose}, entitled to ${entitled}`);
    device.sendGrant(message, NO_FRAMES, 'over-limit');
    return;
  }
  if (message.purpose === 'deflate' && !message.withFrames) {
    // The pages leave the balloon unbacked; the guest asks for frames when it touches them.
    account.balloonPages -= message.pages;
    device.sendGrant(message, NO_FRAMES, undefined, message.pages);
    return;
  }
  let allowed = message.pages;
  if (message.purpose === 'populate' && device.tick.state === 'low') {
    // The low state blocks guests at or above their target from allocating.
    allowed = Math.min(allowed, Math.max(0, account.targetPages - account.ownedFrames));
    account.lowStateRefusedPages += message.pages - allowed;
  }
  device.grants.grantFor(message, allowed, device.tick.nowMs);
}

/** Free page reporting: checked like a release; good frames go to the pool, bad ones are violations and stay where they were. */
export function handleFreePageReport(device: DeviceContext, message: FreePageReportMessage): void {
  const account = device.account;
  const frames = message.frames;
  const { accepted, invalid, invalidBecause } = takeBackFrames(device.table, device.pool, account.ownerId, frames, null, returned);
  if (invalid > 0) device.violation(`free page report ${message.id}: ${invalid} of ${frames.length} frames refused (${invalidBecause})`);
  account.ownedFrames -= accepted;
  account.reportedFreeFrames += accepted;
  device.queue({
    type: 'reportAck',
    id: message.id,
    acceptedFrames: accepted,
    refusedFrames: NO_FRAMES,
    invalidFrames: invalid,
    ...(invalidBecause !== undefined ? { refusedBecause: invalidBecause } : {}),
  });
}

/** Deflate-on-OOM: the pages left the balloon unbacked; the target stays. */
export function handleOomDeflate(device: DeviceContext, message: OomDeflateMessage): void {
  const account = device.account;
  if (message.pages > account.deflatablePages) {
    device.violation(`oomDeflate of ${message.pages} pages, the balloon holds ${account.deflatablePages} (not counting what waiting deflates will take)`);
    return;
  }
  account.balloonPages -= message.pages;
  account.oomDeflatedPages += message.pages;
}
