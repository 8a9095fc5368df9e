/**
 * One guest's device side: boot, the manager's commands, the guest's
 * messages checked and applied (a release moves the named frames to the
 * pool, a deflate request grants frames), violations and quarantine, a
 * flood, and a crash that takes every frame back by scanning the table.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVE_SAMPLE_OPEN_MAX, GuestDevice } from '../../../src/host/device/guest-device.js';
import { ShardPool } from '../../../src/host/device/shard-pool.js';
import { FrameTable } from '../../../src/host/frame-table.js';
import { checkGuestMessage } from '../../../src/host/device/message-checks.js';
import { MESSAGES_PER_TICK_MAX } from '../../../src/messages/limits.js';
import type { FreeMemoryState, GuestToHost } from '../../../src/messages/protocol.js';
import { guest, MiB } from '../../support/scenarios.js';
import { bootedDevice, framesOf } from './device-world.js';

describe('GuestDevice', () => {
  it('boots a lazy guest with its kernel\'s frames, an eager one with all of its boot memory', () => {
    const lazy = bootedDevice();
    expect(lazy.boot.type === 'boot' && framesOf(lazy.boot.runs).length).toBe(1024);
    expect(lazy.account.ownedFrames).toBe(1024);
    expect(lazy.boot.type === 'boot' && lazy.boot.targetPages).toBe(16_384);
    expect(lazy.device.takeEvents()).toEqual([{ kind: 'boot', detail: '1024 frames at boot' }]);
    const eager = bootedDevice({ backing: 'eager' });
    expect(eager.account.ownedFrames).toBe(16_384);
    expect(eager.pool.size).toBe(32_768 - 16_384);
  });

  it('notes a new target and passes it on; refuses a command the manager does not send', () => {
    const { device, account } = bootedDevice();
    device.command({ type: 'setTarget', targetPages: 8000 });
    expect(account.targetPages).toBe(8000);
    expect(device.takeInbox()).toEqual([{ type: 'setTarget', targetPages: 8000 }]);
    expect(() => device.command({ type: 'releaseAck', id: 1, acceptedFrames: 0, refusedFrames: new Int32Array(0), invalidFrames: 0, acceptedUnbackedPages: 0 })).toThrow(/^GuestDevice\.command: the manager does not send releaseAck/);
  });

  it('takes a release\'s frames into the pool and the balloon, and answers with an ack', () => {
    const { device, account, table, pool, boot } = bootedDevice();
    const frames = boot.type === 'boot' ? framesOf(boot.runs).slice(0, 100) : [];
    const poolBefore = pool.size;
    device.handleAll([{ type: 'release', id: 5, frames: Int32Array.from(frames), unbackedPages: 50 }]);
    expect(account.ownedFrames).toBe(924);
    expect(account.balloonPages).toBe(150);
    expect(pool.size).toBe(poolBefore + 100);
    expect(table.ownerOf(frames[0]!)).toBe(pool.freeOwner);
    const [ack] = device.takeInbox();
    expect(ack).toEqual({ type: 'releaseAck', id: 5, acceptedFrames: 100, refusedFrames: new Int32Array(0), invalidFrames: 0, acceptedUnbackedPages: 50 });
    expect(account.protocolViolations).toBe(0);
  });

  it('counts frames that are not the sender\'s as a violation and leaves them where they were', () => {
    const { device, account, table } = bootedDevice();
    // Frame 20000 is free in the pool, not the guest's.
    device.handleAll([{ type: 'release', id: 6, frames: Int32Array.of(20_000, 99_999), unbackedPages: 0 }]);
    expect(account.protocolViolations).toBe(1);
    expect(table.ownerOf(20_000)).toBe(0);
    const [ack] = device.takeInbox();
    expect(ack?.type === 'releaseAck' && [ack.acceptedFrames, ack.invalidFrames, ack.refusedBecause]).toEqual([0, 2, 'not-owned']);
    expect(device.takeEvents().map((e) => e.kind)).toEqual(['boot', 'violation']);
  });

  it('grants a deflate from the pool, and refuses one for more pages than the balloon holds', () => {
    const { device, account } = bootedDevice();
    device.handleAll([{ type: 'release', id: 1, frames: new Int32Array(0), unbackedPages: 300 }]);
    device.takeInbox();
    device.handleAll([{ type: 'request', id: 2, purpose: 'deflate', pages: 100, withFrames: true }]);
    const [grant] = device.takeInbox();
    expect(grant?.type === 'grant' && [grant.id, grant.purpose, framesOf(grant.runs).length, grant.shortBecause]).toEqual([2, 'deflate', 100, undefined]);
    expect(account.balloonPages).toBe(200);
    expect(account.ownedFrames).toBe(1124);
    device.handleAll([{ type: 'request', id: 3, purpose: 'deflate', pages: 201, withFrames: true }]);
    const [refused] = device.takeInbox();
    expect(refused?.type === 'grant' && [framesOf(refused.runs).length, refused.shortBecause]).toEqual([0, 'over-limit']);
    expect(account.protocolViolations).toBe(1);
  });

  it('counts a malformed message as a violation, and quarantines the guest after quarantineAfter of them', () => {
    const { device, account } = bootedDevice({ quarantineAfter: 2 });
    device.handleAll([{ type: 'nonsense' }, 42]);
    expect(account.protocolViolations).toBe(2);
    expect(account.quarantined).toBe(true);
    // From now on every message is refused, well-formed or not.
    device.handleAll([{ type: 'request', id: 9, purpose: 'populate', pages: 1, withFrames: true }, null]);
    expect(account.quarantinedMessages).toBe(2);
    const [grant] = device.takeInbox();
    expect(grant?.type === 'grant' && [framesOf(grant.runs).length, grant.shortBecause]).toEqual([0, 'quarantined']);
  });

  it('reads at most MESSAGES_PER_TICK_MAX messages a tick and counts the flood once', () => {
    const { device, account } = bootedDevice();
    const distress = { type: 'distress', reason: 'stall', fullAvg10: 0.5, availablePages: 0 };
    device.handleAll(Array<unknown>(MESSAGES_PER_TICK_MAX + 3).fill(distress));
    expect(account.distressMessages).toBe(MESSAGES_PER_TICK_MAX);
    expect(account.protocolViolations).toBe(1);
    expect(device.takeDistress()).toHaveLength(MESSAGES_PER_TICK_MAX);
    expect(device.takeDistress()).toEqual([]);
  });

  it('takes back every frame the table says the guest owns when it crashes, once', () => {
    const { device, account, table, pool } = bootedDevice({ backing: 'eager' });
    expect(device.crash('killed')).toBe(16_384);
    expect(account.alive).toBe(false);
    expect(account.ownedFrames).toBe(0);
    expect(pool.size).toBe(32_768);
    expect(table.countOwners().get(account.ownerId) ?? 0).toBe(0);
    expect(device.crash('again')).toBe(0);
    // A dead guest's messages and commands are ignored.
    device.handleAll([{ type: 'distress', reason: 'stall', fullAvg10: 0.5, availablePages: 0 }]);
    device.command({ type: 'setTarget', targetPages: 1 });
    expect(device.takeInbox()).toEqual([]);
    expect(account.distressMessages).toBe(0);
  });

  it('keeps at most ACTIVE_SAMPLE_OPEN_MAX sampling requests open, dropping the oldest past that and noting its id', () => {
    const { device, account } = bootedDevice();
    for (let id = 1; id <= ACTIVE_SAMPLE_OPEN_MAX; id++) device.command({ type: 'sampleActive', id, pages: 10, periodMs: 30_000 });
    expect(account.activeSampleAsked).toHaveLength(ACTIVE_SAMPLE_OPEN_MAX);
    expect(account.activeSampleDroppedId).toBe(0);
    device.command({ type: 'sampleActive', id: ACTIVE_SAMPLE_OPEN_MAX + 1, pages: 10, periodMs: 30_000 });
    expect(account.activeSampleAsked).toHaveLength(ACTIVE_SAMPLE_OPEN_MAX);
    expect(account.activeSampleAsked[0]?.id).toBe(2);
    expect(account.activeSampleDroppedId).toBe(1);
    // Every request still goes to the guest.
    expect(device.takeInbox()).toHaveLength(ACTIVE_SAMPLE_OPEN_MAX + 1);
  });

  it('says in its events why a message was malformed and when the guest was quarantined, and hands each event out once', () => {
    const { device } = bootedDevice({ quarantineAfter: 2 });
    device.takeEvents();
    const bad = { type: 'nonsense' };
    const check = checkGuestMessage(bad);
    expect(check.ok).toBe(false);
    device.handleAll([bad, bad]);
    expect(device.takeEvents()).toEqual([
      { kind: 'violation', detail: `malformed message: ${check.ok ? '' : check.problem}` },
      { kind: 'violation', detail: `malformed message: ${check.ok ? '' : check.problem}` },
      { kind: 'violation', detail: 'quarantined after 2 protocol violations: every later message is refused' },
    ]);
    expect(device.takeEvents()).toEqual([]);
  });

  it('says how many frames given back outside the balloon it refused, of how many, and why', () => {
    const { device, account, boot } = bootedDevice();
    const own = boot.type === 'boot' ? framesOf(boot.runs)[0]! : -1;
    device.command({ type: 'pageOut', id: 1, pages: 2 });
    device.takeEvents();
    // Frame 20000 is in the pool, not the guest's.
    device.handleAll([{ type: 'pagedOut', id: 1, frames: Int32Array.of(own, 20_000) }]);
    expect(account.protocolViolations).toBe(1);
    expect(account.hostSwapPages).toBe(1);
    expect(device.takeEvents().filter((event) => event.kind === 'violation')).toEqual([{ kind: 'violation', detail: 'pagedOut 1: 1 of 2 frames refused (not-owned)' }]);
  });

  it('records a crash once, with why and how many frames it took back', () => {
    const { device } = bootedDevice();
    device.takeEvents();
    expect(device.crash('killed by the test')).toBe(1024);
    expect(device.takeEvents()).toEqual([{ kind: 'crash', detail: 'killed by the test; 1024 frames taken back' }]);
    // A second crash of the dead guest does nothing, and records nothing.
    expect(device.crash('again')).toBe(0);
    expect(device.takeEvents()).toEqual([]);
  });

  it('pages guests out (and answers plugs busy) in the hard and low states only', () => {
    const { device } = bootedDevice();
    const paging = (['high', 'soft', 'hard', 'low'] as FreeMemoryState[]).map((state) => {
      device.beginTick({ nowMs: 0, state });
      return device.hostIsPaging;
    });
    expect(paging).toEqual([false, false, true, true]);
  });

  it('throws, naming itself, on a message past the checks that no handler knows (a check missing from the protocol table)', () => {
    const { device } = bootedDevice();
    expect(() => device.handle({ type: 'teleport' } as unknown as GuestToHost)).toThrow(new Error('GuestDevice.handle: unhandled case {"type":"teleport"}'));
  });

  it('records a guest\'s distress with its reason, its stall as a percentage and the pages it has left', () => {
    const { device } = bootedDevice();
    device.takeEvents();
    device.handleAll([{ type: 'distress', reason: 'oom', fullAvg10: 0.125, availablePages: 42 }]);
    expect(device.takeEvents()).toEqual([{ kind: 'distress', detail: 'oom: full stall 12.5% over 10 s, 42 pages available' }]);
    expect(device.takeDistress()).toEqual([{ reason: 'oom', fullAvg10: 0.125, availablePages: 42 }]);
  });

  it('sends a full grant without a shortBecause field, as the wire decodes one (absent, not undefined)', () => {
    const { device } = bootedDevice();
    device.handleAll([{ type: 'request', id: 4, purpose: 'populate', pages: 10, withFrames: true }]);
    const [grant] = device.takeInbox();
    expect(grant?.type === 'grant' && framesOf(grant.runs).length).toBe(10);
    expect(grant !== undefined && 'shortBecause' in grant).toBe(false);
  });

  it('counts its boot frames as on their way to the guest until the guest takes its inbox', () => {
    const table = new FrameTable(4096);
    const pool = new ShardPool(0, table);
    pool.adopt(0, 4096);
    const device = new GuestDevice({ index: 0, spec: guest('g', { memoryBytes: 64 * MiB }), frameBytes: 4096, quarantineAfter: 0, hotplug: false, backing: 'lazy' }, table, pool);
    device.boot();
    expect(device.account.queuedGrantFrames).toBe(1024);
    device.takeInbox();
    expect(device.account.queuedGrantFrames).toBe(0);
  });

  it('counts what is on its way to the guest until the guest takes its inbox', () => {
    const { device, account } = bootedDevice();
    device.handleAll([{ type: 'request', id: 1, purpose: 'populate', pages: 10, withFrames: true }]);
    expect(account.queuedGrantFrames).toBe(10);
    device.takeInbox();
    expect(account.queuedGrantFrames).toBe(0);
  });
});
