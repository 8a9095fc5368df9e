/**
 * Free-running mode lets a guest step before the host's answer to its
 * swap-in request arrives. A page waiting for that answer can be dropped
 * meanwhile (its component shrinks, or the OOM killer clears it): it becomes
 * a free page without a frame, but the host has already granted (or
 * reserved) a frame for it and does not count it as unbacked until the
 * guest gives that frame back, after the answer. Until then the guest must
 * not balloon (or populate) it as an unbacked page, or the host refuses an
 * honest guest's release as a protocol violation (seen in the free-running
 * fuzz: "release N: 64 unbacked pages, the guest has 31").
 */
import { describe, expect, it } from 'vitest';
import { GuestActor } from '../../src/guest/guest-actor.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import type { GuestToHost, HostToGuest } from '../../src/messages/protocol.js';
import { deriveSeed } from '../../src/util/random.js';
import { InlineHost } from '../support/inline-host.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

describe('a swap-in whose answer has not arrived', () => {
  it('keeps the pages dropped meanwhile out of the balloon until the answer: the host counts every unbacked page released', () => {
    const s = scenario({
      durationMs: 60_000,
      tickMs: 1000,
      host: { memoryBytes: 256 * MiB, reservedBytes: 16 * MiB, swapBytes: 64 * MiB, swapFaultMs: 0.01, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
      guests: [
        guest('vm', {
          memoryBytes: 64 * MiB,
          maxMemoryBytes: 64 * MiB,
          driver: { profile: 'virtio', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 0, freePageReporting: false },
          // All hot, so that paged-out pages are touched at once; gone at 8 s, while a swap-in is in flight.
          workload: [{ kind: 'anon', name: 'anon', hotFraction: 1, size: { kind: 'steps', steps: [{ atMs: 0, bytes: 32 * MiB }, { atMs: 8000, bytes: 0 }] } }],
        }),
      ],
    });
    const views = GuestSharedViews.allocate((64 * MiB) / s.frameBytes);
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
    for (let i = 0; i < 6; i++) {
      step(inbox);
      inbox = host.takeInboxes()[0]!;
    }
    // The balloon is to take all it can (the target goes out with the next tick's orders): it stops at the watermark.
    expect(host.setTargetOf(0, { bytes: 4 * MiB }, 'test', { force: true }).outcome).toBe('applied');
    step(inbox);
    // The host pages most of the workload out; the guest touches those pages and asks for them back.
    host.devices.device(0).command({ type: 'pageOut', id: 1, pages: 6144 });
    const asked = step(host.takeInboxes()[0]!);
    expect(asked.some((message) => message.type === 'request' && message.purpose === 'swapIn')).toBe(true);
    // The answer (a grant, now or once the shard has frames) is held back: the guest steps on, its workload goes at 8 s,
    // and the balloon inflates.
    let unbackedReleased = 0;
    for (let i = 0; i < 4; i++) {
      for (const message of step([])) if (message.type === 'release') unbackedReleased += message.unbackedPages;
    }
    expect(tick).toBeGreaterThan(8);
    expect(unbackedReleased).toBeGreaterThan(0);
    expect(host.log.filter((event) => event.kind === 'violation').map((event) => event.detail)).toEqual([]);
    // Once the answer arrives, the frames of the dropped pages go back and the balloon may take their pages too.
    const held = host.takeInboxes()[0]!;
    expect(held.some((message) => message.type === 'grant' && message.purpose === 'swapIn' && message.runs.length > 0)).toBe(true);
    const balloonHeld = host.accounts[0]!.balloonPages;
    step(held);
    for (let i = 0; i < 10; i++) step(host.takeInboxes()[0]!);
    expect(host.accounts[0]!.balloonPages).toBeGreaterThan(balloonHeld);
    expect(host.log.filter((event) => event.kind === 'violation').map((event) => event.detail)).toEqual([]);
    expect(actor.selfCheck()).toEqual([]);
  });
});
