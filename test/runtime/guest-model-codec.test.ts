/**
 * The wire between a guest and its device side carries every message of the
 * guest memory model exactly, floats included (inline and worker runs must
 * agree to the bit), turns a message of the wrong shape into MALFORMED for
 * the host to count, and decodes any words without throwing. (Status, stats
 * and pressure reports are published in shared memory, not sent.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GuestToHost } from '../../src/messages/protocol.js';
import { OutboxWire, unpackOutbox } from '../../src/runtime/wire-codec.js';
import { assertProperty, propertyParams } from '../support/fc.js';

/** One outbox across the wire. */
function across(outbox: ReadonlyArray<GuestToHost>): unknown[] {
  return unpackOutbox(new OutboxWire().pack(outbox));
}

const fraction = fc.double({ min: 0, max: 1, noNaN: true });
const pages = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const frames = fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 40 }).map((list) => Int32Array.from(list));
const id = fc.nat({ max: Number.MAX_SAFE_INTEGER });

const guestMessage: fc.Arbitrary<GuestToHost> = fc.oneof(
  fc.record({ reason: fc.constantFrom('stall' as const, 'oom' as const), fullAvg10: fraction, availablePages: pages }).map((r) => ({ type: 'distress' as const, ...r })),
  fc.record({ id, frames }).map((r) => ({ type: 'freePageReport' as const, ...r })),
  pages.map((p) => ({ type: 'oomDeflate' as const, pages: p })),
  fc
    .record({ id, frames, unbackedPages: pages, large: fc.boolean() })
    .map(({ large, ...r }) => ({ type: 'release' as const, ...r, ...(large && r.frames.length > 0 ? { largeFrames: r.frames.length } : {}) })),
);

const params = propertyParams<[GuestToHost[][]]>('guest-model messages cross the wire unchanged', { numRuns: 200 });
const wordsParams = propertyParams<[number[]]>('any words decode to messages or MALFORMED, never to an exception', { numRuns: 300 });

describe('wire codec, guest memory model messages', () => {
  it(params.name, () => {
    assertProperty(
      fc.property(fc.array(fc.array(guestMessage, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), (outboxes) => {
        // One wire reused from outbox to outbox, as a guest's is from tick to tick.
        const wire = new OutboxWire();
        for (const outbox of outboxes) expect(unpackOutbox(wire.pack(outbox))).toEqual(outbox);
      }),
      params,
    );
  });

  it(wordsParams.name, () => {
    assertProperty(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -3, max: 12 }), fc.integer()), { maxLength: 40 }), (words) => {
        const decoded = unpackOutbox(Int32Array.from(words));
        for (const message of decoded) expect(typeof message.type).toBe('string');
      }),
      wordsParams,
    );
  });

  it('carries no host message: one in a guest\'s outbox is MALFORMED', () => {
    const hostMessages = [
      { type: 'reportAck', id: 2 ** 40 + 3, acceptedFrames: 5, refusedFrames: Int32Array.of(7, 9), invalidFrames: 1, refusedBecause: 'not-owned' },
      { type: 'grant', id: 1, purpose: 'populate', pagesAsked: 2, runs: Int32Array.of(4, 2), unbackedPages: 0 },
    ] as unknown as GuestToHost[];
    expect(across(hostMessages)).toEqual([{ type: 'malformed' }, { type: 'malformed' }]);
  });

  it('turns messages of the wrong shape into MALFORMED', () => {
    const bad = [
      // Published in shared memory now: as messages they are of no known type.
      { type: 'stats', values: new Float64Array(16) },
      { type: 'stats', values: new Float64Array(15) },
      { type: 'stats', values: [1, 2, 3] },
      { type: 'pressure', availablePages: 1.5, committedPages: 0, floorPages: 0, someAvg10: 0, someAvg60: 0, someAvg300: 0, fullAvg10: 0, fullAvg60: 0, fullAvg300: 0, someTotalSeconds: 0, fullTotalSeconds: 0 },
      { type: 'distress', reason: 'bored', fullAvg10: 0, availablePages: 0 },
      { type: 'freePageReport', id: -1, frames: new Int32Array(1) },
      { type: 'oomDeflate', pages: '256' },
      { type: 'release', id: 1, frames: new Int32Array(1), unbackedPages: 0, largeFrames: 0.5 },
    ] as unknown as GuestToHost[];
    expect(across(bad)).toEqual(bad.map(() => ({ type: 'malformed' })));
  });
});
