/**
 * Free-running mode lets a guest step before the host's answer to its last
 * release arrives. A VMware guest's host may refuse single pages of that
 * release; until the ack says which, the driver must not ask those pages
 * back (deflate, deflate-on-OOM), or the host, which never counted them as
 * ballooned, would refuse an honest guest's request as a protocol violation.
 */
import { describe, expect, it } from 'vitest';
import { GuestActor } from '../../src/guest/guest-actor.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import type { GuestToHost, HostToGuest } from '../../src/messages/protocol.js';
import { deriveSeed } from '../../src/util/random.js';
import { InlineHost } from '../support/inline-host.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

describe('a release whose ack has not arrived', () => {
  it('is not asked back before the ack: the host counts every deflate request within the balloon it knows', () => {
    const s = scenario({
      durationMs: 60_000,
      tickMs: 1000,
      host: { memoryBytes: 512 * MiB, reservedBytes: 16 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
      guests: [
        guest('vm', {
        memoryBytes: 256 * MiB,
        maxMemoryBytes: 256 * MiB,
                driver: { profile: 'vmware', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 0, freePageReporting: false },
        // Page cache scattered over memory: few 2 MiB pages, so the driver falls back to single pages.
        workload: [
          { kind: 'anon', name: 'anon', hotFraction: 1, size: { kind: 'constant', bytes: 16 * MiB } },
          { kind: 'file', name: 'cache', hotFraction: 0.1, size: { kind: 'constant', bytes: 192 * MiB } },
        ],
      })],
    });
    const views = GuestSharedViews.allocate((256 * MiB) / s.frameBytes);
    const host = new InlineHost(s, { shared: [views] });
    const actor = new GuestActor({ index: 0, spec: s.guests[0]!, tickMs: s.tickMs, frameBytes: s.frameBytes, seed: deriveSeed(s.seed, 'guest', 'vm'), shared: views.buffers });
    host.boot();
    let tick = 0;
    const step = (inbox: HostToGuest[]): GuestToHost[] => {
      host.beginTick(tick);
      const outbox = actor.step(tick++, inbox);
      host.handleOutbox(0, outbox);
      return outbox;
    };
    let inbox = host.takeInboxes()[0]!;
    for (let i = 0; i < 5; i++) {
      step(inbox);
      inbox = host.takeInboxes()[0]!;
    }
    // Shrink into the page cache: single pages, some of which the host refuses.
    expect(host.setTargetOf(0, { bytes: 64 * MiB }, 'test', { force: true }).outcome).toBe('applied');
    let refused = 0;
    for (let i = 0; i < 400 && refused === 0; i++) {
      step([...inbox]);
      inbox = host.takeInboxes()[0]!;
      for (const message of inbox) if (message.type === 'releaseAck') refused += message.refusedFrames.length;
    }
    expect(refused).toBeGreaterThan(0);
    // The acks (with refusals) are held back; the target rises (it goes out with the next tick's orders) and the
    // guest steps twice without them.
    const held = inbox;
    host.setTargetOf(0, { bytes: 256 * MiB }, 'test');
    step(host.takeInboxes()[0]!);
    const first = step(host.takeInboxes()[0]!);
    step(host.takeInboxes()[0]!);
    expect(first.some((message) => message.type === 'request')).toBe(true);
    expect(host.accounts[0]!.protocolViolations).toBe(0);
    // Once the acks arrive, the rest of the balloon comes back.
    step(held);
    for (let i = 0; i < 400; i++) step(host.takeInboxes()[0]!);
    expect(host.accounts[0]!.protocolViolations).toBe(0);
    expect(host.accounts[0]!.balloonPages).toBe(0);
  });
});
