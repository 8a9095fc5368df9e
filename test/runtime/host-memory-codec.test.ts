/**
 * The messages of host memory management (active-memory sampling, host
 * paging, swap-in, growth) cross the wire exactly, and the host's shape
 * checks refuse every malformed one, whether it reached the host through the
 * codec (as MALFORMED) or inline (as an object of the wrong shape).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGuestMessage } from '../../src/host/device/message-checks.js';
import type { GuestToHost, HostToGuest } from '../../src/messages/protocol.js';
import { decodeGuestOutboxes, decodeHostInboxes, encodeGuestOutboxes, encodeHostInboxes } from '../../src/runtime/wire-codec.js';
import { assertProperty, propertyParams } from '../support/fc.js';

const count = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const frames = fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 40 }).map((list) => Int32Array.from(list));
const id = fc.nat({ max: Number.MAX_SAFE_INTEGER });

const guestMessage: fc.Arbitrary<GuestToHost> = fc.oneof(
  fc.record({ id, sampledPages: count }).chain(({ id: i, sampledPages }) => fc.integer({ min: 0, max: sampledPages }).map((touchedPages) => ({ type: 'activeSample' as const, id: i, sampledPages, touchedPages }))),
  fc.record({ id, frames }).map((r) => ({ type: 'pagedOut' as const, ...r })),
  fc.record({ discardedPages: count, readPages: count, frames }).map((r) => ({ type: 'hostSwapRelease' as const, ...r })),
  fc.record({ id, pages: fc.integer({ min: 1, max: 2 ** 31 - 1 }) }).map((r) => ({ type: 'plug' as const, ...r })),
  fc.record({ id, frames, unbackedPages: count }).map((r) => ({ type: 'unplug' as const, ...r })),
  fc.record({ id, pages: fc.integer({ min: 1, max: 1 << 20 }) }).map((r) => ({ type: 'request' as const, ...r, purpose: 'swapIn' as const, withFrames: true })),
);

const hostMessage: fc.Arbitrary<HostToGuest> = fc.oneof(
  fc.record({ id, pages: count, periodMs: count }).map((r) => ({ type: 'sampleActive' as const, ...r })),
  fc.record({ id, pages: count }).map((r) => ({ type: 'pageOut' as const, ...r })),
  fc.record({ id, pages: count, status: fc.constantFrom('ok' as const, 'busy' as const, 'failed' as const) }).map((r) => ({ type: 'plugReply' as const, ...r })),
  fc.record({ id, asked: fc.integer({ min: 1, max: 1 << 20 }), frames }).map(({ id: i, asked, frames: f }) => ({ type: 'grant' as const, id: i, purpose: 'swapIn' as const, pagesAsked: asked, frames: f, unbackedPages: 0 })),
);

const params = propertyParams<[GuestToHost[][], HostToGuest[][]]>('host memory messages cross the wire unchanged and pass the host checks', { numRuns: 200 });

describe('wire codec and checks, host memory management messages', () => {
  it(params.name, () => {
    assertProperty(
      fc.property(
        fc.array(fc.array(guestMessage, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(hostMessage, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        (outboxes, inboxes) => {
          const decoded = decodeGuestOutboxes(encodeGuestOutboxes(outboxes));
          expect(decoded).toEqual(outboxes);
          for (const box of decoded) for (const message of box) expect(checkGuestMessage(message)).toMatchObject({ ok: true });
          expect(decodeHostInboxes(encodeHostInboxes(inboxes))).toEqual(inboxes);
        },
      ),
      params,
    );
  });

  it('turns messages of the wrong shape into MALFORMED, and the checks refuse them inline too', () => {
    const bad = [
      { type: 'activeSample', id: 1, sampledPages: 1.5, touchedPages: 0 },
      { type: 'pagedOut', id: -1, frames: new Int32Array(1) },
      { type: 'pagedOut', id: 1, frames: [1, 2] },
      { type: 'hostSwapRelease', discardedPages: '1', readPages: 0, frames: new Int32Array(0) },
      { type: 'plug', id: 1, pages: Number.NaN },
      { type: 'unplug', id: 1, frames: new Int32Array(0) },
    ] as unknown as GuestToHost[];
    expect(decodeGuestOutboxes(encodeGuestOutboxes([bad]))).toEqual([bad.map(() => ({ type: 'malformed' }))]);
    const alsoBad = [
      ...bad,
      { type: 'activeSample', id: 1, sampledPages: 10, touchedPages: 11 },
      { type: 'plug', id: 1, pages: 0 },
      { type: 'hostSwapRelease', discardedPages: -1, readPages: 0, frames: new Int32Array(0) },
      { type: 'request', id: 1, purpose: 'swapIn', pages: 1, withFrames: false },
    ];
    for (const message of alsoBad) expect(checkGuestMessage(message), JSON.stringify(message)).toMatchObject({ ok: false });
  });
});
