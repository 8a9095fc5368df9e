/**
 * How the host handles the messages of the guest memory model: it keeps the
 * latest stats and pressure for policies, logs distress, takes reported free
 * frames back into its pool after the same checks as a release, accounts
 * deflate-on-OOM, refuses single pages of VMware guests now and then, and
 * refuses anything malformed or not the sender's without changing the table.
 */
import { describe, expect, it } from 'vitest';
import { checkGuestMessage } from '../../src/host/device/message-checks.js';
import { Hypervisor } from '../../src/host/hypervisor.js';
import { OWNER_FREE, ownerIdOfGuest } from '../../src/host/owners.js';
import { hostRefusesSinglePage } from '../../src/host/guest-reports.js';
import type { DriverProfileName, Scenario } from '../../src/scenario/types.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

function host(profile: DriverProfileName = 'virtio', backing: 'lazy' | 'eager' = 'eager'): { host: Hypervisor; frames: Int32Array[] } {
  const s: Scenario = scenario({
    host: { memoryBytes: 64 * MiB, reservedBytes: 0, swapBytes: 0, backing, policy: { kind: 'static', periodMs: 1000 } },
    guests: [
      guest('a', { memoryBytes: 16 * MiB, maxMemoryBytes: 24 * MiB, driver: { profile, inflateMode: 'noretry', deflateOnOom: true, statsIntervalMs: 1000, freePageReporting: true } }),
      guest('b', { memoryBytes: 16 * MiB }),
    ],
  });
  const h = new Hypervisor(s);
  h.boot();
  const frames = h.takeInboxes().map((inbox) => (inbox[0]?.type === 'boot' ? inbox[0].frames : new Int32Array(0)));
  return { host: h, frames };
}

describe('the host and the guest memory model messages', () => {
  it('keeps the latest stats and pressure report, and shows them to policies', () => {
    const { host: h } = host();
    const values = Float64Array.from({ length: 16 }, (_, i) => i * 10);
    h.handleOutbox(0, [
      { type: 'stats', values },
      { type: 'pressure', availablePages: 100, committedPages: 200, floorPages: 50, someAvg10: 0.5, someAvg60: 0.25, someAvg300: 0.1, fullAvg10: 0.2, fullAvg60: 0.1, fullAvg300: 0.05, someTotalSeconds: 12, fullTotalSeconds: 3 },
    ]);
    const heard = h.accounts[0]!.heard;
    expect(Array.from(heard.stats!)).toEqual(Array.from(values));
    values[0] = 999; // the host kept a copy
    expect(heard.stats![0]).toBe(0);
    expect(heard.pressure).toMatchObject({ availablePages: 100, committedPages: 200, someAvg10: 0.5 });
    expect(h.accounts[0]!.protocolViolations).toBe(0);
    h.beginTick(1);
    const view = h.policyView();
    expect(view.guests[0]!.stats.SWAP_OUT).toBe(10);
    expect(view.guests[0]!.stats.DIRECT_RECLAIM).toBe(150);
    expect(view.guests[0]!.pressure).toEqual({ availablePages: 100, committedPages: 200 });
    expect(view.guests[0]!.psi).toMatchObject({ someAvg10: 0.5, fullAvg300: 0.05, someTotalSeconds: 12, fullTotalSeconds: 3 });
    expect(view.guests[1]!.stats.SWAP_OUT).toBe(-1);
    expect(view.guests[1]!.psi).toBeNull();
  });

  it('logs distress', () => {
    const { host: h } = host();
    h.handleOutbox(1, [{ type: 'distress', reason: 'oom', fullAvg10: 0.75, availablePages: 3 }]);
    expect(h.accounts[1]!.heard).toMatchObject({ distressMessages: 1, lastDistressReason: 'oom' });
    expect(h.log.at(-1)).toMatchObject({ kind: 'distress', guest: 'b' });
  });

  it('takes reported free frames back into its pool and leaves the guest entitled to ask for frames again', () => {
    const { host: h, frames } = host();
    const reported = frames[0]!.slice(0, 512);
    const poolBefore = h.pool.size;
    h.handleOutbox(0, [{ type: 'freePageReport', id: 7, frames: reported }]);
    expect(h.pool.size).toBe(poolBefore + 512);
    for (const frame of reported) expect(h.table.ownerOf(frame)).toBe(OWNER_FREE);
    expect(h.accounts[0]!.heard.reportedFreeFrames).toBe(512);
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
    expect(h.accounts[0]!.heard.oomDeflatedPages).toBe(256);
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
