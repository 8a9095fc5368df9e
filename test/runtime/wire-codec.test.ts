/**
 * Unit tests of src/runtime/wire-codec.ts, the framing of an outbox: its
 * count, a buffer reused from one outbox to the next, and words that do not
 * add up. Each message type's round trip is tested from the protocol's table
 * (test/messages/guest-to-host.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { GuestToHost } from '../../src/messages/protocol.js';
import { OutboxWire, packOutbox, toWireShape, unpackOutbox } from '../../src/runtime/wire-codec.js';

const plug = (id: number): GuestToHost => ({ type: 'plug', id, pages: 512 });
const pagedOut = (id: number, frames: number): GuestToHost => ({ type: 'pagedOut', id, frames: Int32Array.from({ length: frames }, (_, k) => k * 3) });

describe('an outbox on the wire', () => {
  it('is its message count, then its messages', () => {
    expect([...packOutbox([])]).toEqual([0]);
    expect(unpackOutbox(packOutbox([]))).toEqual([]);
    const words = packOutbox([plug(1), plug(2)]);
    expect(words[0]).toBe(2);
    expect(unpackOutbox(words)).toEqual([plug(1), plug(2)]);
  });

  it('reuses one buffer, grown for an outbox larger than it, and each pack reads back whole', () => {
    const wire = new OutboxWire();
    const first = wire.pack([plug(7)]);
    expect(unpackOutbox(first)).toEqual([plug(7)]);
    // Past the first buffer's 1024 words, and past 64 messages.
    const large = Array.from({ length: 80 }, (_, i) => pagedOut(i, 40));
    expect(unpackOutbox(wire.pack(large))).toEqual(large);
    const small = wire.pack([plug(8)]);
    expect(unpackOutbox(small)).toEqual([plug(8)]);
  });

  it('ends with one MALFORMED when its words do not add up, and never throws', () => {
    const words = packOutbox([plug(1), plug(2)]);
    const malformed = { type: 'malformed' };
    expect(unpackOutbox(Int32Array.of(-1))).toEqual([malformed]);
    expect(unpackOutbox(new Int32Array(0))).toEqual([malformed]);
    expect(unpackOutbox(words.subarray(0, words.length - 1))).toEqual([plug(1), malformed]);
    expect(unpackOutbox(Int32Array.of(...words, 5))).toEqual([plug(1), plug(2), malformed]);
    expect(unpackOutbox(Int32Array.of(3, ...words.subarray(1)))).toEqual([plug(1), plug(2), malformed]);
  });

  it('carries a message the wire cannot hold as MALFORMED, in its place', () => {
    const unknown = { type: 'hello' } as unknown as GuestToHost;
    expect(toWireShape(unknown)).toEqual({ type: 'malformed' });
    expect(toWireShape(plug(3))).toEqual(plug(3));
    expect(unpackOutbox(packOutbox([plug(1), unknown, plug(2)]))).toEqual([plug(1), { type: 'malformed' }, plug(2)]);
  });
});
