/**
 * The guests' messages of host memory management (active-memory sampling,
 * host paging, swap-in, growth) cross the wire to the device side exactly,
 * and the device side's shape checks refuse every malformed one, whether it
 * came through the wire (as MALFORMED) or handed over as it was (as an
 * object of the wrong shape). The host's messages to a guest are made on
 * the guest's own thread and cross no wire.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGuestMessage } from '../../src/host/device/message-checks.js';
import type { GuestToHost } from '../../src/messages/protocol.js';
import { OutboxWire, unpackOutbox } from '../../src/runtime/wire-codec.js';
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

const params = propertyParams<[GuestToHost[][]]>('host memory messages cross the wire unchanged and pass the device side\'s checks', { numRuns: 200 });

describe('wire codec and checks, host memory management messages', () => {
  it(params.name, () => {
    assertProperty(
      fc.property(fc.array(fc.array(guestMessage, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), (outboxes) => {
        const wire = new OutboxWire();
        for (const outbox of outboxes) {
          const decoded = unpackOutbox(wire.pack(outbox));
          expect(decoded).toEqual(outbox);
          for (const message of decoded) expect(checkGuestMessage(message)).toMatchObject({ ok: true });
        }
      }),
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
    expect(unpackOutbox(new OutboxWire().pack(bad))).toEqual(bad.map(() => ({ type: 'malformed' })));
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
