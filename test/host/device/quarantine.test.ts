/**
 * A quarantined guest's messages: requests answered with nothing, releases
 * and reports refused with the sender's own frames handed back (the rest
 * invalid), plugs failed, frames it gives back outside the balloon still taken.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { namesTwice, refuseQuarantined } from '../../../src/host/device/quarantine.js';
import { assertProperty, describeSeed, propertyParams } from '../../support/fc.js';
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

describe('namesTwice', () => {
  const LIMIT = 200_000;
  const list = (...frames: number[]): Int32Array => Int32Array.from(frames);
  const runs = (starts: number[], length: number, step: 1 | -1): Int32Array =>
    Int32Array.from(starts.flatMap((start) => Array.from({ length }, (_, k) => start + k * step)));

  it('clears runs that do not overlap, up or down, and a list of one or none', () => {
    expect(namesTwice(list(), LIMIT)).toBe(false);
    expect(namesTwice(list(7), LIMIT)).toBe(false);
    expect(namesTwice(list(10, 11, 12, 5, 4, 3, 20, 13), LIMIT)).toBe(false);
    expect(namesTwice(runs([0, 100, 50], 40, 1), LIMIT)).toBe(false);
  });

  it('finds runs that overlap: a run holds every frame between its ends, so they share one', () => {
    expect(namesTwice(list(1, 2, 3, 3), LIMIT)).toBe(true);
    expect(namesTwice(list(10, 11, 12, 12, 11), LIMIT)).toBe(true);
    expect(namesTwice(list(6, 9, 8, 7, 6), LIMIT)).toBe(true);
    expect(namesTwice(list(1, 3, 2), LIMIT)).toBe(false);
    expect(namesTwice(list(5, 9, 8, 7, 6), LIMIT)).toBe(false);
  });

  it('tells past 64 runs by a sorted copy: no repeat, then one far apart', () => {
    const scattered = Int32Array.from({ length: 500 }, (_, i) => (i * 7919) % 100_003);
    expect(namesTwice(scattered, LIMIT)).toBe(false);
    scattered[499] = scattered[3]!;
    expect(namesTwice(scattered, LIMIT)).toBe(true);
  });
});

const handBackParams = propertyParams('hands back the sender\'s frames named once, in order, as a set-based loop would, repeated or not', { numRuns: 300 });

describe(`refuseQuarantined's hand-back ${describeSeed(handBackParams.seed)}`, () => {
  // Lists of runs (up or down) of owned and other frames, with repeats and frames out of range: short and long.
  const frameList = fc
    .array(fc.record({ start: fc.integer({ min: -3, max: 2_100 }), length: fc.integer({ min: 1, max: 40 }), down: fc.boolean() }), { maxLength: 120 })
    .map((parts) => Int32Array.from(parts.flatMap(({ start, length, down }) => Array.from({ length }, (_, k) => (down ? start - k : start + k)))));

  it(handBackParams.name, () =>
    assertProperty(
      fc.property(frameList, (frames) => {
        const { device, account, table } = quarantined();
        const named = new Set<number>();
        const expected: number[] = [];
        for (const frame of frames) {
          if (frame >= 0 && frame < table.frames && !named.has(frame) && table.ownerOf(frame) === account.ownerId) expected.push(frame);
          named.add(frame);
        }
        refuseQuarantined(device, { type: 'release', id: 1, frames, unbackedPages: 0 });
        const [ack] = device.takeInbox();
        expect(ack?.type === 'releaseAck' && [Array.from(ack.refusedFrames), ack.invalidFrames]).toEqual([expected, frames.length - expected.length]);
      }),
      handBackParams,
    ));
});
