/**
 * The wire format carries every message of the guest memory model exactly,
 * floats included (inline and worker runs must agree to the bit), and turns a
 * message of the wrong shape into MALFORMED for the host to count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GuestToHost, HostToGuest } from '../../src/messages/protocol.js';
import { decodeGuestOutboxes, decodeHostInboxes, encodeGuestOutboxes, encodeHostInboxes } from '../../src/runtime/wire-codec.js';
import { assertProperty, propertyParams } from '../support/fc.js';

const fraction = fc.double({ min: 0, max: 1, noNaN: true });
const pages = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const frames = fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 40 }).map((list) => Int32Array.from(list));
const id = fc.nat({ max: Number.MAX_SAFE_INTEGER });

const guestMessage: fc.Arbitrary<GuestToHost> = fc.oneof(
  fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.double({ noNaN: true })), { minLength: 16, maxLength: 16 }).map((values) => ({ type: 'stats' as const, values: Float64Array.from(values) })),
  fc
    .record({ availablePages: pages, committedPages: pages, floorPages: pages, someAvg10: fraction, someAvg60: fraction, someAvg300: fraction, fullAvg10: fraction, fullAvg60: fraction, fullAvg300: fraction, someTotalSeconds: fc.double({ min: 0, max: 1e9, noNaN: true }), fullTotalSeconds: fc.double({ min: 0, max: 1e9, noNaN: true }) })
    .map((r) => ({ type: 'pressure' as const, ...r })),
  fc.record({ reason: fc.constantFrom('stall' as const, 'oom' as const), fullAvg10: fraction, availablePages: pages }).map((r) => ({ type: 'distress' as const, ...r })),
  fc.record({ id, frames }).map((r) => ({ type: 'freePageReport' as const, ...r })),
  pages.map((p) => ({ type: 'oomDeflate' as const, pages: p })),
  fc
    .record({ id, frames, unbackedPages: pages, large: fc.boolean() })
    .map(({ large, ...r }) => ({ type: 'release' as const, ...r, ...(large && r.frames.length > 0 ? { largeFrames: r.frames.length } : {}) })),
);

const params = propertyParams<[GuestToHost[][]]>('guest-model messages cross the wire unchanged', { numRuns: 200 });

describe('wire codec, guest memory model messages', () => {
  it(params.name, () => {
    assertProperty(
      fc.property(fc.array(fc.array(guestMessage, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), (outboxes) => {
        const decoded = decodeGuestOutboxes(encodeGuestOutboxes(outboxes));
        expect(decoded).toEqual(outboxes);
      }),
      params,
    );
  });

  it('carries report acks to the guest', () => {
    const inboxes: HostToGuest[][] = [[{ type: 'reportAck', id: 2 ** 40 + 3, acceptedFrames: 5, refusedFrames: Int32Array.of(7, 9), invalidFrames: 1, refusedBecause: 'not-owned' }], []];
    expect(decodeHostInboxes(encodeHostInboxes(inboxes))).toEqual(inboxes);
  });

  it('turns messages of the wrong shape into MALFORMED', () => {
    const bad = [
      { type: 'stats', values: new Float64Array(15) },
      { type: 'stats', values: [1, 2, 3] },
      { type: 'pressure', availablePages: 1.5, committedPages: 0, floorPages: 0, someAvg10: 0, someAvg60: 0, someAvg300: 0, fullAvg10: 0, fullAvg60: 0, fullAvg300: 0, someTotalSeconds: 0, fullTotalSeconds: 0 },
      { type: 'distress', reason: 'bored', fullAvg10: 0, availablePages: 0 },
      { type: 'freePageReport', id: -1, frames: new Int32Array(1) },
      { type: 'oomDeflate', pages: '256' },
      { type: 'release', id: 1, frames: new Int32Array(1), unbackedPages: 0, largeFrames: 0.5 },
    ] as unknown as GuestToHost[];
    expect(decodeGuestOutboxes(encodeGuestOutboxes([bad]))).toEqual([bad.map(() => ({ type: 'malformed' }))]);
  });
});
