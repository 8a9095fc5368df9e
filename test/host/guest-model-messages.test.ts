/**
 * How the host handles what the guest memory model tells it: policies read
 * the stats and pressure report the guest publishes in shared memory; the
 * device side logs distress (the manager acts on it), takes reported free
 * frames back into its shard's pool after the same checks as a release,
 * accounts deflate-on-OOM, refuses single pages of VMware guests now and
 * then, and refuses anything malformed or not the sender's without changing
 * the table.
 */
import { describe, expect, it } from 'vitest';
import { VIRTIO_STAT_TAGS, type VirtioStatTag } from '../../src/messages/virtio-stats.js';
import { checkGuestMessage } from '../../src/host/device/message-checks.js';
import { hostRefusesSinglePage } from '../../src/host/device/vmware-refusals.js';
import { freeOwnerOfShard, ownerIdOfGuest } from '../../src/host/owners.js';
import { framesOfRuns } from '../../src/messages/protocol.js';
import type { DriverProfileName, Scenario } from '../../src/model/scenario.js';
import { publishPressure, publishStats } from '../support/guest-signals.js';
import { InlineHost } from '../support/inline-host.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

/** A booted host in tick 0. */
function host(profile: DriverProfileName = 'virtio', backing: 'lazy' | 'eager' = 'eager'): { host: InlineHost; frames: Int32Array[] } {
  const s: Scenario = scenario({
    host: { memoryBytes: 64 * MiB, reservedBytes: 0, swapBytes: 0, backing, policy: { kind: 'static', periodMs: 1000 } },
    guests: [
      guest('a', { memoryBytes: 16 * MiB, maxMemoryBytes: 24 * MiB, driver: { profile, inflateMode: 'noretry', deflateOnOom: true, statsIntervalMs: 1000, freePageReporting: true } }),
      guest('b', { memoryBytes: 16 * MiB }),
    ],
  });
  const h = new InlineHost(s);
  h.boot();
  const frames = h.takeInboxes().map((inbox) => (inbox[0]?.type === 'boot' ? framesOfRuns(inbox[0].runs) : new Int32Array(0)));
  h.beginTick(0);
  return { host: h, frames };
}

describe('the host and the guest memory model messages', () => {
  it('shows policies the stats and pressure report the guest published last, as a snapshot', () => {
    const { host: h } = host();
    const stats = Object.fromEntries(VIRTIO_STAT_TAGS.map((tag, i) => [tag, i * 10])) as Record<VirtioStatTag, number>;
    publishStats(h.signals[0]!, 0, stats);
    publishPressure(h.signals[0]!, 0, { availablePages: 100, committedPages: 200, floorPages: 50, some: [0.5, 0.25, 0.1], full: [0.2, 0.1, 0.05], someTotalSeconds: 12, fullTotalSeconds: 3 });
    h.beginTick(1);
    const view = h.policyView();
    expect(view.guests[0]!.stats.SWAP_OUT).toBe(10);
    expect(view.guests[0]!.stats.DIRECT_RECLAIM).toBe(150);
    expect(view.guests[0]!.pressure).toEqual({ availablePages: 100, committedPages: 200 });
    expect(view.guests[0]!.psi).toMatchObject({ someAvg10: 0.5, fullAvg300: 0.05, someTotalSeconds: 12, fullTotalSeconds: 3 });
    expect(view.guests[1]!.stats.SWAP_OUT).toBe(-1);
    expect(view.guests[1]!.psi).toBeNull();
    // What the guest publishes next does not change a view already built; nonsense reads as unreported.
    publishStats(h.signals[0]!, 1000, { ...stats, SWAP_OUT: -5, MAJFLT: Number.NaN });
    expect(view.guests[0]!.stats.SWAP_OUT).toBe(10);
    expect(() => {
      (view.guests[0]!.stats as Record<VirtioStatTag, number>).SWAP_OUT = 1;
    }).toThrow(TypeError);
    const next = h.policyView();
    expect([next.guests[0]!.stats.SWAP_OUT, next.guests[0]!.stats.MAJFLT, next.guests[0]!.stats.DIRECT_RECLAIM]).toEqual([-1, -1, 150]);
    expect(h.accounts[0]!.protocolViolations).toBe(0);
  });

  it('logs distress and the manager takes note when the tick closes', () => {
    const { host: h } = host();
    h.handleOutbox(1, [{ type: 'distress', reason: 'oom', fullAvg10: 0.75, availablePages: 3 }]);
    expect(h.accounts[1]!.device.distressMessages).toBe(1);
    h.endTick();
    expect(h.accounts[1]!.record).toMatchObject({ lastDistressAtMs: 0, lastDistressReason: 'oom' });
    expect(h.log.filter((event) => event.kind === 'distress')).toMatchObject([{ kind: 'distress', guest: 'b' }]);
  });

  it('takes reported free frames back into its pool and leaves the guest entitled to ask for frames again', () => {
    const { host: h, frames } = host();
    const reported = frames[0]!.slice(0, 512);
    const poolBefore = h.freeFrames;
    h.handleOutbox(0, [{ type: 'freePageReport', id: 7, frames: reported }]);
    expect(h.freeFrames).toBe(poolBefore + 512);
    for (const frame of reported) expect(h.table.ownerOf(frame)).toBe(freeOwnerOfShard(h.shardOf(0)));
    expect(h.accounts[0]!.device.reportedFreeFrames).toBe(512);
    expect(h.takeInboxes()[0]).toEqual([{ type: 'reportAck', id: 7, acceptedFrames: 512, refusedFrames: new Int32Array(0), invalidFrames: 0 }]);
    // Those pages are the guest's again to back on first touch.
    h.handleOutbox(0, [{ type: 'request', id: 8, purpose: 'populate', pages: 512, withFrames: true }]);
    expect(h.accounts[0]!.protocolViolations).toBe(0);
    expect(h.accounts[0]!.ownedFrames).toBe(4096);
  });

  it('refuses reported frames that are not the sender’s, and changes nothing for them', () => {
    const { host: h, frames } = host();
    const before = h.table.owners.slice();
    h.handleOutbox(0, [{ type: 'freePageReport', id: 1, frames: Int32Array.of(frames[1]![0]!, -5, 1 << 30) }]);
    expect(h.table.owners).toEqual(before);
    expect(h.accounts[0]!.protocolViolations).toBe(1);
    expect(h.takeInboxes()[0]![0]).toMatchObject({ type: 'reportAck', acceptedFrames: 0, invalidFrames: 3 });
  });

  it('accounts deflate-on-OOM, and refuses more pages than the balloon holds', () => {
    const { host: h } = host();
    const balloon = h.accounts[0]!.balloonPages;
    expect(balloon).toBe(2048);
    h.handleOutbox(0, [{ type: 'oomDeflate', pages: 256 }]);
    expect(h.accounts[0]!.balloonPages).toBe(balloon - 256);
    expect(h.accounts[0]!.device.oomDeflatedPages).toBe(256);
    h.handleOutbox(0, [{ type: 'oomDeflate', pages: 5000 }]);
    expect(h.accounts[0]!.balloonPages).toBe(balloon - 256);
    expect(h.accounts[0]!.protocolViolations).toBe(1);
  });

  it('refuses some single pages of a VMware guest, never its 2 MiB pages, and hands them back in the ack', () => {
    const { host: h, frames } = host('vmware');
    const own = frames[0]!;
    // Find ids for which the host refuses frames of this guest, to release them as single and as large pages.
    let id = 1;
    while (!own.slice(512, 1024).some((frame) => hostRefusesSinglePage(frame, id))) id++;
    h.handleOutbox(0, [{ type: 'release', id, frames: own.slice(512, 1024), unbackedPages: 0 }]);
    const ack = h.takeInboxes()[0]![0]!;
    if (ack.type !== 'releaseAck') throw new Error('no ack');
    expect(ack.refusedFrames.length).toBeGreaterThan(0);
    expect(ack.acceptedFrames + ack.refusedFrames.length).toBe(512);
    for (const frame of ack.refusedFrames) expect(h.table.ownerOf(frame)).toBe(ownerIdOfGuest(0));
    expect(h.accounts[0]!.protocolViolations).toBe(0);
    h.handleOutbox(0, [{ type: 'release', id, frames: own.slice(0, 512), unbackedPages: 0, largeFrames: 512 }]);
    const large = h.takeInboxes()[0]![0]!;
    expect(large).toMatchObject({ type: 'releaseAck', acceptedFrames: 512 });
  });

  it('counts malformed guest-model messages as violations', () => {
    for (const bad of [
      // Stats and pressure reports are published in shared memory, not sent: as messages they are unknown.
      { type: 'stats', values: new Float64Array(16) },
      { type: 'stats', values: new Float64Array(16).fill(-2) },
      { type: 'stats', values: new Float64Array(16).fill(Number.NaN) },
      { type: 'pressure', availablePages: 1, committedPages: 1, floorPages: 1, someAvg10: 2, someAvg60: 0, someAvg300: 0, fullAvg10: 0, fullAvg60: 0, fullAvg300: 0, someTotalSeconds: 0, fullTotalSeconds: 0 },
      { type: 'distress', reason: 'stall', fullAvg10: -1, availablePages: 0 },
      { type: 'freePageReport', id: 1, frames: [1, 2] },
      { type: 'oomDeflate', pages: 0 },
      { type: 'release', id: 1, frames: new Int32Array(2), unbackedPages: 0, largeFrames: 3 },
    ]) {
      expect(checkGuestMessage(bad).ok, JSON.stringify(bad)).toBe(false);
    }
    const { host: h } = host();
    const before = h.table.owners.slice();
    h.handleOutbox(0, [{ type: 'oomDeflate', pages: -1 }, { type: 'stats', values: [] }]);
    expect(h.accounts[0]!.protocolViolations).toBe(2);
    expect(h.table.owners).toEqual(before);
  });
});
