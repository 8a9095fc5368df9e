/**
 * The device side's handlers of host memory management: active-memory
 * samples, host paging (pagedOut, swap-in, host swap released), and growth
 * past the boot size (plug, unplug). Each answer that does not fit what the
 * host asked or what the guest holds is a violation and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { MiB } from '../../support/scenarios.js';
import { bootedDevice, framesOf } from './device-world.js';

describe('handleActiveSample', () => {
  it('takes an answer to an open request, made at the tick\'s time', () => {
    const { device, account } = bootedDevice();
    device.command({ type: 'sampleActive', id: 5, pages: 100, periodMs: 30_000 });
    device.beginTick({ nowMs: 31_000, state: 'high' });
    device.handleAll([{ type: 'activeSample', id: 5, sampledPages: 100, touchedPages: 30 }]);
    expect([account.sampleAtMs, account.sampledPages, account.touchedPages, account.activeSampleAsked.length]).toEqual([31_000, 100, 30, 0]);
    expect(account.protocolViolations).toBe(0);
  });

  it('counts as violations an answer to no open request and one that sampled more than asked', () => {
    const { device, account } = bootedDevice();
    device.handleAll([{ type: 'activeSample', id: 9, sampledPages: 1, touchedPages: 0 }]);
    device.command({ type: 'sampleActive', id: 10, pages: 100, periodMs: 30_000 });
    device.handleAll([{ type: 'activeSample', id: 10, sampledPages: 101, touchedPages: 0 }]);
    expect(account.protocolViolations).toBe(2);
    expect(account.sampledPages).toBe(0);
  });
});

describe('host paging', () => {
  it('takes the frames a pageOut asked for into the pool; their pages now fill host swap slots', () => {
    const { device, account, boot, pool } = bootedDevice();
    const frames = boot.type === 'boot' ? framesOf(boot.runs).slice(0, 10) : [];
    const before = pool.size;
    device.command({ type: 'pageOut', id: 1, pages: 10 });
    device.handleAll([{ type: 'pagedOut', id: 1, frames: Int32Array.from(frames) }]);
    expect([account.hostSwapPages, account.hostPagedOutPages, account.ownedFrames, account.pageOutClosedId]).toEqual([10, 10, 1014, 1]);
    expect(account.pageOutAsked).toBeNull();
    expect(pool.size).toBe(before + 10);
    expect(device.takeEvents().some((e) => e.kind === 'hostPaging')).toBe(true);
  });

  it('counts a pagedOut that answers no pageOut, or gives more than asked, as a violation', () => {
    const { device, account, boot } = bootedDevice();
    const frames = boot.type === 'boot' ? framesOf(boot.runs).slice(0, 3) : [];
    device.handleAll([{ type: 'pagedOut', id: 1, frames: Int32Array.from(frames) }]);
    device.command({ type: 'pageOut', id: 2, pages: 2 });
    device.handleAll([{ type: 'pagedOut', id: 2, frames: Int32Array.from(frames) }]);
    expect([account.protocolViolations, account.hostSwapPages, account.ownedFrames]).toEqual([2, 0, 1024]);
  });

  it('grants swap-ins up to the slots the guest holds, and frees slots it releases', () => {
    const { device, account, boot } = bootedDevice();
    const frames = boot.type === 'boot' ? framesOf(boot.runs).slice(0, 10) : [];
    device.command({ type: 'pageOut', id: 1, pages: 10 });
    device.handleAll([{ type: 'pagedOut', id: 1, frames: Int32Array.from(frames) }]);
    device.takeInbox();
    device.handleAll([{ type: 'request', id: 2, purpose: 'swapIn', pages: 11, withFrames: true }]);
    const [refused] = device.takeInbox();
    expect(refused?.type === 'grant' && refused.shortBecause).toBe('over-limit');
    device.handleAll([{ type: 'request', id: 3, purpose: 'swapIn', pages: 4, withFrames: true }]);
    const [grant] = device.takeInbox();
    expect(grant?.type === 'grant' && framesOf(grant.runs).length).toBe(4);
    expect([account.hostSwapPages, account.hostSwappedInPages, account.hostSwapInAskedPages]).toEqual([6, 4, 15]);
    device.handleAll([{ type: 'hostSwapRelease', discardedPages: 2, readPages: 1, frames: new Int32Array(0) }]);
    expect([account.hostSwapPages, account.hostSwapReadPages]).toEqual([3, 1]);
    device.handleAll([{ type: 'hostSwapRelease', discardedPages: 4, readPages: 0, frames: new Int32Array(0) }]);
    expect([account.hostSwapPages, account.protocolViolations]).toEqual([3, 2]);
  });
});

describe('growth past the boot size', () => {
  const growing = (kind: 'hotplug' | 'virtio-mem', hotplug: boolean) =>
    bootedDevice({ hotplug, spec: { memoryBytes: 64 * MiB, maxMemoryBytes: 128 * MiB, growth: { kind, blockBytes: 2 * MiB, onlineDelayMs: 0 } } });

  it('plugs what the guest asks up to its maxMemory', () => {
    const { device, account } = growing('hotplug', true);
    expect(account.memoryPages).toBe(16_384);
    device.handleAll([{ type: 'plug', id: 1, pages: 8192 }]);
    expect(device.takeInbox()).toEqual([{ type: 'plugReply', id: 1, pages: 8192, status: 'ok' }]);
    expect([account.memoryPages, account.hotplugPages]).toEqual([24_576, 8192]);
    device.handleAll([{ type: 'plug', id: 2, pages: 8193 }]);
    expect(device.takeInbox()).toEqual([{ type: 'plugReply', id: 2, pages: 0, status: 'failed' }]);
    expect(account.protocolViolations).toBe(1);
  });

  it('fails a plug for good when the host does not hot-add, and answers busy while the host pages', () => {
    const off = growing('hotplug', false);
    off.device.handleAll([{ type: 'plug', id: 1, pages: 512 }]);
    expect(off.device.takeInbox()).toEqual([{ type: 'plugReply', id: 1, pages: 0, status: 'failed' }]);
    expect([off.account.hotplugFailed, off.account.protocolViolations]).toEqual([1, 0]);
    const busy = growing('hotplug', true);
    busy.device.beginTick({ nowMs: 0, state: 'hard' });
    busy.device.handleAll([{ type: 'plug', id: 1, pages: 512 }]);
    expect(busy.device.takeInbox()).toEqual([{ type: 'plugReply', id: 1, pages: 0, status: 'busy' }]);
    expect([busy.account.hotplugBusy, busy.account.memoryPages]).toEqual([1, 16_384]);
  });

  it('counts a plug from a guest with no hotplug room as a violation', () => {
    const { device, account } = bootedDevice({ hotplug: true });
    device.handleAll([{ type: 'plug', id: 1, pages: 512 }]);
    expect([account.protocolViolations, account.hotplugFailed]).toEqual([1, 1]);
  });

  it('virtio-mem: takes unplugged pages out of the guest\'s memory; no more than were plugged', () => {
    const { device, account } = growing('virtio-mem', true);
    device.handleAll([{ type: 'plug', id: 1, pages: 1024 }]);
    device.handleAll([{ type: 'unplug', id: 2, frames: new Int32Array(0), unbackedPages: 512 }]);
    expect([account.memoryPages, account.unpluggedPages]).toEqual([16_384 + 512, 512]);
    device.handleAll([{ type: 'unplug', id: 3, frames: new Int32Array(0), unbackedPages: 513 }]);
    expect([account.memoryPages, account.protocolViolations]).toEqual([16_384 + 512, 1]);
  });
});
