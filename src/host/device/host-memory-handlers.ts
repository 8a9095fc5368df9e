/**
 * The device side's handlers of host memory management's messages: active
 * memory samples (ESX), host paging (pagedOut, swap-in requests, host swap
 * released by the guest) and growth past the boot size (plug, unplug).
 */
import type { ActiveSampleMessage, HostSwapReleaseMessage, PagedOutMessage, PlugMessage, RequestMessage, UnplugMessage } from '../../messages/protocol.js';
import { formatBytesApprox } from '../../model/units.js';
import type { DeviceContext } from './device-context.js';

function bytesOf(device: DeviceContext, pages: number): string {
  return formatBytesApprox(pages * device.frameBytes);
}

/**
 * A guest's answer to a sampling period: a violation if it answers no open
 * request or samples more pages than asked; a late answer to a request the
 * device dropped is ignored.
 */
export function handleActiveSample(device: DeviceContext, message: ActiveSampleMessage): void {
  const account = device.account;
  const open = account.activeSampleAsked;
  const asked = open.find((request) => request.id === message.id);
  if (asked === undefined && message.id <= account.activeSampleDroppedId && message.id < (open[0]?.id ?? Infinity)) return;
  if (asked === undefined) {
    device.violation(`activeSample ${message.id} answers no open sampling request${open.length > 0 ? ` (open: ${open.map((request) => request.id).join(', ')})` : ''}`);
    return;
  }
  if (message.sampledPages > asked.pages) {
    device.violation(`activeSample ${message.id} sampled ${message.sampledPages} pages, ${asked.pages} were asked for`);
    return;
  }
  account.activeSampleAsked = open.filter((request) => request.id > message.id);
  account.sampleAtMs = device.tick.nowMs;
  account.sampledPages = message.sampledPages;
  account.touchedPages = message.touchedPages;
}

/** The frames behind the pages a `pageOut` took: to the pool; their contents now fill host swap slots. */
export function handlePagedOut(device: DeviceContext, message: PagedOutMessage): void {
  const account = device.account;
  const asked = account.pageOutAsked;
  if (asked === null || asked.id !== message.id || message.frames.length > asked.pages) {
    device.violation(`pagedOut ${message.id} of ${message.frames.length} frames answers no pageOut${asked !== null ? ` (open: ${asked.id}, ${asked.pages} pages)` : ''}`);
    return;
  }
  account.pageOutAsked = null;
  account.pageOutClosedId = asked.id;
  const accepted = device.takeBack(message.frames, `pagedOut ${message.id}`);
  account.hostSwapPages += accepted;
  account.hostPagedOutPages += accepted;
  if (accepted > 0) {
    device.record('hostPaging', `${device.tick.state}: paged out ${bytesOf(device, accepted)} behind its back; ${bytesOf(device, account.hostSwapPages)} of it in host swap`);
  }
}

/** Swap-in: frames for paged-out pages the guest touched (a host swap fault), as far as the pool and the low state allow. */
export function handleSwapIn(device: DeviceContext, message: RequestMessage): void {
  const account = device.account;
  account.hostSwapInAskedPages += message.pages;
  if (message.pages > account.swapInablePages) {
    device.violation(`request ${message.id}: ${message.pages} pages to swap in, ${account.swapInablePages} are in host swap (not counting waiting swap-ins)`);
    device.sendGrant(message, new Int32Array(0), 'over-limit');
    return;
  }
  let allowed = Math.min(message.pages, account.unbackedPages);
  // The low state blocks guests at or above their target.
  if (device.tick.state === 'low') allowed = Math.min(allowed, Math.max(0, account.targetPages - account.ownedFrames));
  device.grants.grantFor(message, allowed, device.tick.nowMs);
}

/** Host swap the guest no longer needs: slots discarded or read (double paging), frames given back. */
export function handleHostSwapRelease(device: DeviceContext, message: HostSwapReleaseMessage): void {
  const account = device.account;
  const freed = message.discardedPages + message.readPages;
  const returnable = account.hostSwappedInPages - account.hostSwapReturnedFrames;
  if (freed > account.hostSwapPages || message.frames.length > returnable) {
    device.violation(
      `hostSwapRelease of ${freed} slots and ${message.frames.length} frames, the guest holds ${account.hostSwapPages} slots and was granted ${returnable} swap-in frames it has not given back`,
    );
    return;
  }
  account.hostSwapPages -= freed;
  account.hostSwapReadPages += message.readPages;
  if (message.frames.length > 0) account.hostSwapReturnedFrames += device.takeBack(message.frames, 'hostSwapRelease');
}

/**
 * A plug request (hotplug, virtio-mem): refused for good when the host does
 * not hot-add (`host.hotplug: false`), busy in the hard and low states (the
 * host is short of memory), otherwise granted up to the guest's maxMemory.
 */
export function handlePlug(device: DeviceContext, message: PlugMessage): void {
  const account = device.account;
  const room = account.pages - account.memoryPages;
  if (account.growthKind === 'reserved' || message.pages > room) {
    device.violation(`plug ${message.id} of ${message.pages} pages, the guest has ${account.growthKind === 'reserved' ? 'no hotplug room' : `${room} pages of hotplug room`}`);
    device.queue({ type: 'plugReply', id: message.id, pages: 0, status: 'failed' });
    account.hotplugFailed++;
    return;
  }
  if (!device.hotplug) {
    account.hotplugFailed++;
    device.record('hotplug', `plug of ${bytesOf(device, message.pages)} refused: the host does not hot-add memory (host.hotplug: false); the guest's growth failed for good`);
    device.queue({ type: 'plugReply', id: message.id, pages: 0, status: 'failed' });
    return;
  }
  if (device.hostIsPaging) {
    account.hotplugBusy++;
    device.record('hotplug', `plug of ${bytesOf(device, message.pages)} answered busy: the host is in the ${device.tick.state} state; the guest will ask again`);
    device.queue({ type: 'plugReply', id: message.id, pages: 0, status: 'busy' });
    return;
  }
  account.memoryPages += message.pages;
  account.hotplugPages += message.pages;
  device.record('hotplug', `plugged ${bytesOf(device, message.pages)} (${account.growthKind}): its memory is ${bytesOf(device, account.memoryPages)} of ${bytesOf(device, account.pages)} once online`);
  device.queue({ type: 'plugReply', id: message.id, pages: message.pages, status: 'ok' });
}

/** virtio-mem unplug: free pages left the guest's memory; their frames come back. */
export function handleUnplug(device: DeviceContext, message: UnplugMessage): void {
  const account = device.account;
  const pages = message.frames.length + message.unbackedPages;
  const plugged = account.memoryPages - account.bootPages;
  if (account.growthKind !== 'virtio-mem' || pages > plugged || message.unbackedPages > account.unbackedPages) {
    device.violation(`unplug ${message.id} of ${pages} pages (${message.unbackedPages} unbacked), the guest has ${plugged} plugged pages and ${account.unbackedPages} unbacked`);
    return;
  }
  const accepted = device.takeBack(message.frames, `unplug ${message.id}`);
  account.memoryPages -= accepted + message.unbackedPages;
  account.unpluggedPages += accepted + message.unbackedPages;
  device.record('hotplug', `unplugged ${bytesOf(device, accepted + message.unbackedPages)}: its memory is ${bytesOf(device, account.memoryPages)}`);
}
