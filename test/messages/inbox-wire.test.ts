/**
 * A guest's inbox kept as words until the guest takes it
 * (src/messages/inbox-wire.ts): what the guest takes is what the device
 * side queued, field for field and in order, whatever mix of messages,
 * frames, ids and reasons; frames are the guest's own copies; the buffer is
 * reused from one take to the next.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InboxWire } from '../../src/messages/inbox-wire.js';
import type { GrantMessage, HostToGuest, RefusalReason, ReleaseAckMessage } from '../../src/messages/protocol.js';

const REASONS: RefusalReason[] = ['not-owned', 'out-of-range', 'repeated', 'malformed', 'over-limit', 'host-busy', 'quarantined', 'version'];

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const count = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const id = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const frames = fc.array(int32, { maxLength: 40 }).map((values) => Int32Array.from(values));
const reason = fc.option(fc.constantFrom(...REASONS), { nil: undefined });

const releaseAck: fc.Arbitrary<HostToGuest> = fc.record({ id, acceptedFrames: count, refusedFrames: frames, invalidFrames: count, acceptedUnbackedPages: count, reason }).map(({ reason: why, ...fields }) => {
  const ack: ReleaseAckMessage = { type: 'releaseAck', ...fields };
  if (why !== undefined) ack.refusedBecause = why;
  return ack;
});
const grant: fc.Arbitrary<HostToGuest> = fc
  .record({ id, purpose: fc.constantFrom('deflate' as const, 'populate' as const, 'swapIn' as const), pagesAsked: count, runs: frames, unbackedPages: count, reason })
  .map(({ reason: why, ...fields }) => {
    const message: GrantMessage = { type: 'grant', ...fields };
    if (why !== undefined) message.shortBecause = why;
    return message;
  });
const other: fc.Arbitrary<HostToGuest> = fc.oneof(
  fc.record({ type: fc.constant('setTarget' as const), targetPages: count }),
  fc.record({ type: fc.constant('plugReply' as const), id, pages: count, status: fc.constantFrom('ok' as const, 'busy' as const, 'failed' as const) }),
  fc.record({ type: fc.constant('pageOut' as const), id, pages: count }),
  fc.record({ type: fc.constant('boot' as const), version: fc.constant(1 as never), ownerId: count, runs: frames, targetPages: count }),
).map((m) => ({ ...m }) as HostToGuest); // plain objects, as the device side makes them (fc.record's have no prototype)
const message = fc.oneof(releaseAck, grant, other);

/** A deep copy, typed arrays included, to compare against after the originals are changed. */
function copy(messages: HostToGuest[]): HostToGuest[] {
  return messages.map((m) => Object.fromEntries(Object.entries(m).map(([key, value]) => [key, value instanceof Int32Array ? value.slice() : value])) as HostToGuest);
}

describe('the inbox kept as words', () => {
  it('gives back what was queued, field for field and in order, tick after tick', () => {
    fc.assert(
      fc.property(fc.array(fc.array(message, { maxLength: 30 }), { maxLength: 4 }), (ticks) => {
        const inbox = new InboxWire();
        for (const queued of ticks) {
          const expected = copy(queued);
          for (const m of queued) inbox.push(m);
          expect(inbox.length).toBe(queued.length);
          // The sender may reuse the frames of an ack or a grant once it is queued (the others are kept as they are).
          for (const m of queued) if (m.type === 'releaseAck') m.refusedFrames.fill(-7);
          else if (m.type === 'grant') m.runs.fill(-7);
          const taken = inbox.take();
          // toStrictEqual: an optional field the sender left out is left out, not set to undefined.
          expect(taken).toStrictEqual(expected);
          expect(inbox.length).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('takes an ack or a grant queued from its fields (the hot path of the device side) as if queued as an object', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(message, fc.boolean()), { maxLength: 30 }), (queued) => {
        const inbox = new InboxWire();
        const expected = copy(queued.map(([m]) => m));
        for (const [m, byFields] of queued) {
          if (byFields && m.type === 'releaseAck') {
            // Refused frames as the handler has them: a plain list.
            inbox.pushReleaseAck(m.id, m.acceptedFrames, Array.from(m.refusedFrames), m.invalidFrames, m.acceptedUnbackedPages, m.refusedBecause);
          } else if (byFields && m.type === 'grant') {
            inbox.pushGrant(m.id, m.purpose, m.pagesAsked, m.runs, m.unbackedPages, m.shortBecause);
            m.runs.fill(-7);
          } else inbox.push(m);
        }
        expect(inbox.length).toBe(queued.length);
        expect(inbox.take()).toStrictEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the guest frames of its own, and an empty inbox after a take', () => {
    const inbox = new InboxWire();
    const runs = Int32Array.of(100, 4);
    inbox.push({ type: 'grant', id: 2 ** 40 + 3, purpose: 'deflate', pagesAsked: 4, runs, unbackedPages: 0 });
    const [first] = inbox.take() as [GrantMessage];
    expect(first.id).toBe(2 ** 40 + 3);
    expect(first.runs).toEqual(Int32Array.of(100, 4));
    expect(first.runs).not.toBe(runs);
    // A later message written over the same words leaves the one taken alone.
    inbox.push({ type: 'grant', id: 5, purpose: 'populate', pagesAsked: 1, runs: Int32Array.of(7, 1), unbackedPages: 0 });
    expect(first.runs).toEqual(Int32Array.of(100, 4));
    expect(inbox.take()).toHaveLength(1);
    expect(inbox.take()).toEqual([]);
  });

  it('grows past its first buffer for a tick of many messages', () => {
    const inbox = new InboxWire();
    const acks: HostToGuest[] = Array.from({ length: 5000 }, (_, i) => ({ type: 'releaseAck', id: i, acceptedFrames: 1, refusedFrames: i % 7 === 0 ? Int32Array.of(i) : new Int32Array(0), invalidFrames: 0, acceptedUnbackedPages: 0 }));
    for (const ack of acks) inbox.push(ack);
    expect(inbox.take()).toStrictEqual(acks);
  });
});
