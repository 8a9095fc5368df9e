/**
 * The device side's balloon handlers, through a device over its own table
 * and pool: releases (and VMware's refused single pages), deflate and
 * first-touch requests within what the guest is entitled to, the low state,
 * free page reports and deflate-on-OOM.
 */
import { describe, expect, it } from 'vitest';
import { hostRefusesSinglePage } from '../../../src/host/device/vmware-refusals.js';
import { bootedDevice, framesOf } from './device-world.js';

const release = (id: number, frames: number[], unbackedPages = 0, largeFrames?: number) => ({ type: 'release', id, frames: Int32Array.from(frames), unbackedPages, ...(largeFrames !== undefined ? { largeFrames } : {}) });

describe('handleRelease', () => {
  it('refuses unbacked pages beyond what the guest has without a frame (a lie): a violation, none accepted', () => {
    const { device, account } = bootedDevice();
    // 16384 pages, 1024 backed: 15360 unbacked.
    device.handleAll([release(1, [], 15_361)]);
    const [ack] = device.takeInbox();
    expect(ack?.type === 'releaseAck' && [ack.acceptedUnbackedPages, ack.refusedBecause]).toEqual([0, 'over-limit']);
    expect(account.balloonPages).toBe(0);
    expect(account.protocolViolations).toBe(1);
    device.handleAll([release(2, [], 15_360)]);
    expect(account.balloonPages).toBe(15_360);
  });

  it('VMware: the host refuses some single pages (by a hash of frame and message), never those of 2 MiB pages; refused ones stay the guest\'s', () => {
    const { device, account, boot } = bootedDevice({ backing: 'eager', spec: { driver: { profile: 'vmware', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 0, freePageReporting: false } } });
    // One message of 4096 frames: the first 2048 of 2 MiB pages, the rest single pages. The refusal odds are 1 in
    // 2048: pick a message id for which the hash would refuse frames on both sides.
    const frames = boot.type === 'boot' ? framesOf(boot.runs).slice(0, 4096) : [];
    const refusedOf = (id: number, part: number[]) => part.filter((frame) => hostRefusesSinglePage(frame, id));
    let id = 1;
    while (refusedOf(id, frames.slice(0, 2048)).length === 0 || refusedOf(id, frames.slice(2048)).length === 0) id++;
    const refusedSingles = refusedOf(id, frames.slice(2048));
    device.handleAll([release(id, frames, 0, 2048)]);
    const [ack] = device.takeInbox();
    if (ack?.type !== 'releaseAck') throw new Error('no ack');
    expect(Array.from(ack.refusedFrames)).toEqual(refusedSingles);
    expect(ack.acceptedFrames).toBe(4096 - refusedSingles.length);
    expect(account.balloonPages).toBe(4096 - refusedSingles.length);
    expect(account.ownedFrames).toBe(16_384 - 4096 + refusedSingles.length);
    expect(account.protocolViolations).toBe(0);
  });
});

describe('handleRequest', () => {
  it('deflate without frames: the pages leave the balloon unbacked at once', () => {
    const { device, account } = bootedDevice();
    device.handleAll([release(1, [], 500)]);
    device.takeInbox();
    device.handleAll([{ type: 'request', id: 2, purpose: 'deflate', pages: 200, withFrames: false }]);
    expect(device.takeInbox()).toEqual([{ type: 'grant', id: 2, purpose: 'deflate', pagesAsked: 200, runs: new Int32Array(0), unbackedPages: 200 }]);
    expect(account.balloonPages).toBe(300);
    expect(account.ownedFrames).toBe(1024);
  });

  it('first touch: at most the guest\'s unbacked pages', () => {
    const { device, account } = bootedDevice();
    device.handleAll([{ type: 'request', id: 1, purpose: 'populate', pages: 15_361, withFrames: true }]);
    const [refused] = device.takeInbox();
    expect(refused?.type === 'grant' && refused.shortBecause).toBe('over-limit');
    device.handleAll([{ type: 'request', id: 2, purpose: 'populate', pages: 100, withFrames: true }]);
    const [grant] = device.takeInbox();
    expect(grant?.type === 'grant' && framesOf(grant.runs).length).toBe(100);
    expect(account.ownedFrames).toBe(1124);
  });

  it('in the low state, grants a first touch only up to the guest\'s target, counting what it refused', () => {
    const { device, account } = bootedDevice();
    account.targetPages = 1100;
    device.beginTick({ nowMs: 0, state: 'low' });
    device.handleAll([{ type: 'request', id: 1, purpose: 'populate', pages: 100, withFrames: true }]);
    const [grant] = device.takeInbox();
    expect(grant?.type === 'grant' && [framesOf(grant.runs).length, grant.shortBecause]).toEqual([76, 'host-busy']);
    expect(account.lowStateRefusedPages).toBe(24);
    expect(account.populateShortPages).toBe(24);
  });
});

describe('handleFreePageReport', () => {
  it('takes the reported frames into the pool, counts bad ones as a violation, and acks', () => {
    const { device, account, boot, pool } = bootedDevice();
    const frames = boot.type === 'boot' ? framesOf(boot.runs).slice(0, 10) : [];
    const before = pool.size;
    device.handleAll([{ type: 'freePageReport', id: 4, frames: Int32Array.from([...frames, frames[0]!]) }]);
    expect(device.takeInbox()).toEqual([{ type: 'reportAck', id: 4, acceptedFrames: 10, refusedFrames: new Int32Array(0), invalidFrames: 1, refusedBecause: 'repeated' }]);
    expect([account.ownedFrames, account.reportedFreeFrames, account.protocolViolations]).toEqual([1014, 10, 1]);
    expect(pool.size).toBe(before + 10);
  });
});

describe('handleOomDeflate', () => {
  it('takes the pages out of the balloon, target unchanged; more than the balloon holds is a violation', () => {
    const { device, account } = bootedDevice();
    device.handleAll([release(1, [], 300)]);
    device.handleAll([{ type: 'oomDeflate', pages: 256 }]);
    expect([account.balloonPages, account.oomDeflatedPages, account.targetPages]).toEqual([44, 256, 16_384]);
    device.handleAll([{ type: 'oomDeflate', pages: 45 }]);
    expect([account.balloonPages, account.protocolViolations]).toEqual([44, 1]);
  });
});
