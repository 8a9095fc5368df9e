/**
 * A quarantined guest's messages: requests answered with nothing, releases
 * and reports refused with the sender's own frames handed back (the rest
 * invalid), plugs failed, frames it gives back outside the balloon still taken.
 */
import { describe, expect, it } from 'vitest';
import { refuseQuarantined } from '../../../src/host/device/quarantine.js';
import { bootedDevice, framesOf } from './device-world.js';

function quarantined() {
  const world = bootedDevice();
  world.account.quarantined = true;
  const owned = world.boot.type === 'boot' ? framesOf(world.boot.runs) : [];
  return { ...world, owned };
}

describe('refuseQuarantined', () => {
  it('counts a malformed message and answers nothing', () => {
    const { device, account } = quarantined();
    refuseQuarantined(device, null);
    expect(account.quarantinedMessages).toBe(1);
    expect(device.takeInbox()).toEqual([]);
  });

  it('answers a request with an empty grant, marked quarantined', () => {
    const { device } = quarantined();
    refuseQuarantined(device, { type: 'request', id: 4, purpose: 'deflate', pages: 8, withFrames: false });
    expect(device.takeInbox()).toEqual([{ type: 'grant', id: 4, purpose: 'deflate', pagesAsked: 8, runs: new Int32Array(0), unbackedPages: 0, shortBecause: 'quarantined' }]);
  });

  it('refuses a release: the sender\'s frames (named once) go back to it, the rest are invalid; nothing moves', () => {
    const { device, account, table, owned } = quarantined();
    const [a, b] = owned;
    refuseQuarantined(device, { type: 'release', id: 7, frames: Int32Array.of(a!, b!, a!, 30_000, -5), unbackedPages: 3 });
    expect(device.takeInbox()).toEqual([
      { type: 'releaseAck', id: 7, acceptedFrames: 0, acceptedUnbackedPages: 0, refusedBecause: 'quarantined', refusedFrames: Int32Array.of(a!, b!), invalidFrames: 3 },
    ]);
    expect(table.ownerOf(a!)).toBe(account.ownerId);
    expect(account.ownedFrames).toBe(1024);
    expect(account.balloonPages).toBe(0);
  });

  it('refuses a free page report the same way', () => {
    const { device, owned } = quarantined();
    refuseQuarantined(device, { type: 'freePageReport', id: 8, frames: Int32Array.of(owned[0]!) });
    expect(device.takeInbox()).toEqual([{ type: 'reportAck', id: 8, acceptedFrames: 0, refusedBecause: 'quarantined', refusedFrames: Int32Array.of(owned[0]!), invalidFrames: 0 }]);
  });

  it('fails a plug', () => {
    const { device, account } = quarantined();
    refuseQuarantined(device, { type: 'plug', id: 9, pages: 512 });
    expect(device.takeInbox()).toEqual([{ type: 'plugReply', id: 9, pages: 0, status: 'failed' }]);
    expect(account.hotplugFailed).toBe(1);
  });

  it('ignores distress, deflate-on-OOM and sample answers', () => {
    const { device, account } = quarantined();
    refuseQuarantined(device, { type: 'distress', reason: 'oom', fullAvg10: 1, availablePages: 0 });
    refuseQuarantined(device, { type: 'oomDeflate', pages: 256 });
    expect(device.takeInbox()).toEqual([]);
    expect(account.distressMessages).toBe(0);
    expect(account.oomDeflatedPages).toBe(0);
    expect(account.quarantinedMessages).toBe(2);
  });
});
