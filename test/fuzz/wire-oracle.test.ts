/**
 * The wire fuzzer's oracle (wire-oracle.ts) on outboxes written by hand: it
 * must count a bad message only when the host must refuse it, whatever the
 * messages before it did. Its first miss, found by `npm run fuzz` (seed
 * 430001): a release whose id the wire decodes to a number no answer can
 * carry (two words make ids up to 2^64) is refused whole by the host, but the
 * oracle took the frames it named as given back, and so called a later report
 * of one of them, which the sender still owned, bad.
 */
import { describe, expect, it } from 'vitest';
import type { GuestToHost } from '../../src/messages/protocol.js';
import { FREE, HYPERVISOR, type GuestFacts } from '../support/wire-host.js';
import { badMessages } from './wire-oracle.js';

const SENDER = 0;
/** Frames 0-1 the hypervisor's, 4-7 the sender's, 12 another guest's, the rest free. */
const owners = Int32Array.from({ length: 16 }, (_, frame) => (frame < 2 ? HYPERVISOR : frame >= 4 && frame < 8 ? SENDER : frame === 12 ? 1 : FREE));
const facts: GuestFacts = {
  alive: true,
  violations: 0,
  quarantined: false,
  quarantinedMessages: 0,
  deflatablePages: 0,
  unbackedPages: 100,
  swapInablePages: 0,
  hostSwapPages: 0,
  returnableSwapInFrames: 0,
  openSamples: 0,
  sampleDroppedId: -1,
  pageOutOpen: false,
  growth: 'reserved',
  pluggedPages: 0,
  plugRoom: 0,
};
const release = (id: number, ...frames: number[]): GuestToHost => ({ type: 'release', id, frames: Int32Array.from(frames), unbackedPages: 0 });
const report = (id: number, ...frames: number[]): GuestToHost => ({ type: 'freePageReport', id, frames: Int32Array.from(frames) });
const bad = (...messages: GuestToHost[]): string[] => badMessages(messages, owners, SENDER, facts, false);

describe('the wire oracle', () => {
  it('takes a release with an unanswerable id as refused whole: a later report of its frames is the sender\'s to make', () => {
    expect(bad(release(-4620693217682129000, 5), report(0, 5))).toEqual(['#0 release: bad id -4620693217682129000']);
    expect(bad(release(2 ** 53, 5, 6), report(1, 6))).toHaveLength(1);
    expect(bad(release(1.5, 5), report(1, 5))).toHaveLength(1);
  });

  it('still counts a report of a frame an answerable release gave back', () => {
    expect(bad(release(3, 5), report(4, 5))).toEqual(['#1 freePageReport: frame 5 is not the sender\'s']);
  });

  it('counts a bad id on every message the host answers by its id', () => {
    const id = -1;
    const messages: GuestToHost[] = [
      { type: 'request', id, purpose: 'populate', pages: 1, withFrames: true },
      report(id, 4),
      { type: 'activeSample', id, sampledPages: 1, touchedPages: 0 },
      { type: 'pagedOut', id, frames: new Int32Array(0) },
      { type: 'plug', id, pages: 1 },
      { type: 'unplug', id, unbackedPages: 0, frames: new Int32Array(0) },
    ];
    expect(bad(...messages).map((why) => why.replace(/^#\d+ \w+: /, ''))).toEqual(Array(messages.length).fill('bad id -1'));
  });

  it('leaves good messages alone', () => {
    expect(bad(release(0, 4, 5), report(1, 6), { type: 'request', id: 2 ** 40, purpose: 'populate', pages: 3, withFrames: true })).toEqual([]);
  });
});
