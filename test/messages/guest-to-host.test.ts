/**
 * The protocol's table (src/messages/guest-to-host.ts), tested from the table
 * itself: every message type, with fields drawn from how its entry says they
 * travel, crosses the wire unchanged and gets the same verdict from the host's
 * check before and after; a field of the wrong type is MALFORMED on the wire
 * and refused by the check. A new message is covered here without a new test.
 * That the compiler refuses a table without an entry (or an entry without a
 * field) is shown by the `@ts-expect-error` lines, which `npm run typecheck`
 * (CI) checks: if the table's type stopped refusing them, they would fail it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGuestMessage } from '../../src/host/device/message-checks.js';
import { GUEST_TO_HOST, guestToHostEntry, type AnyWireField, type GuestToHostTable, type GuestToHostType, type ProtocolTable } from '../../src/messages/guest-to-host.js';
import type { GuestToHost } from '../../src/messages/protocol.js';
import { OutboxWire, packOutbox, unpackOutbox, wireTag } from '../../src/runtime/wire-codec.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

const TYPES = Object.keys(GUEST_TO_HOST) as GuestToHostType[];

function fieldsOf(type: GuestToHostType): Array<[string, AnyWireField]> {
  return Object.entries(GUEST_TO_HOST[type].fields) as Array<[string, AnyWireField]>;
}

/** Any value the wire carries for a field (the check may refuse it). */
function anyValue(field: AnyWireField): fc.Arbitrary<unknown> {
  switch (field) {
    case 'id':
      return fc.oneof(fc.nat({ max: 2 ** 32 + 5 }), fc.constant(Number.MAX_SAFE_INTEGER), fc.nat({ max: Number.MAX_SAFE_INTEGER }));
    case 'int32':
      return fc.integer();
    case 'optionalInt32':
      return fc.option(fc.integer().filter((value) => value !== 0), { nil: undefined });
    case 'float':
      return fc.double();
    case 'boolean':
      return fc.boolean();
    case 'frames':
      return fc.array(fc.integer(), { maxLength: 40 }).map((list) => Int32Array.from(list));
    default:
      return fc.constantFrom(...Object.keys(field.choice));
  }
}

/** A value more likely to pass the host's check: small counts and ids, fractions, short batches. */
function plausibleValue(field: AnyWireField): fc.Arbitrary<unknown> {
  switch (field) {
    case 'id':
      return fc.nat({ max: 1000 });
    case 'int32':
      return fc.integer({ min: 1, max: 64 });
    case 'optionalInt32':
      return fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined });
    case 'float':
      return fc.double({ min: 0, max: 1, noNaN: true });
    case 'frames':
      return fc.array(fc.nat({ max: 1 << 20 }), { minLength: 4, maxLength: 16 }).map((list) => Int32Array.from(list));
    default:
      return anyValue(field);
  }
}

/** A value of the wrong type for a field: the wire cannot carry it, and the check must refuse it. */
function wrongValue(field: AnyWireField): unknown {
  switch (field) {
    case 'id':
      return -1;
    case 'int32':
      return 0.5;
    case 'optionalInt32':
      return '1';
    case 'float':
      return '0.5';
    case 'boolean':
      return 1;
    case 'frames':
      return [1, 2];
    default:
      return 'no-such-value';
  }
}

/** A message of `type` with fields from `value` (an optional field left undefined is left out). */
function messageOf(type: GuestToHostType, value: (field: AnyWireField) => fc.Arbitrary<unknown>): fc.Arbitrary<GuestToHost> {
  const fields = Object.fromEntries(fieldsOf(type).map(([key, field]) => [key, value(field)]));
  return fc.record(fields).map((record) => {
    const message: Record<string, unknown> = { type };
    for (const [key, fieldValue] of Object.entries(record)) if (fieldValue !== undefined) message[key] = fieldValue;
    return message as unknown as GuestToHost;
  });
}

const anyMessage = fc.oneof(...TYPES.map((type) => messageOf(type, anyValue)));

const roundTrip = propertyParams<[GuestToHost[][]]>('every message type crosses the wire unchanged, and the host checks it the same before and after', { numRuns: 300 });
const refused = propertyParams<[GuestToHost]>('a field of the wrong type is MALFORMED on the wire and refused by the host, whatever the message type', { numRuns: 200 });

describe(`the protocol's table ${describeSeed(roundTrip.seed)}`, () => {
  it(roundTrip.name, () => {
    assertProperty(
      fc.property(fc.array(fc.array(anyMessage, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), (outboxes) => {
        // One wire reused from outbox to outbox, as a guest's is from tick to tick.
        const wire = new OutboxWire();
        for (const outbox of outboxes) {
          const decoded = unpackOutbox(wire.pack(outbox));
          expect(decoded).toEqual(outbox);
          decoded.forEach((message, i) => expect(checkGuestMessage(message)).toEqual(checkGuestMessage(outbox[i])));
        }
      }),
      roundTrip,
    );
  });

  it.each(TYPES)('%s: one of every field travels (its own property, with its own values)', (type) => {
    const params = propertyParams<[GuestToHost]>(`${type} crosses the wire unchanged`, { numRuns: 100 });
    assertProperty(
      fc.property(messageOf(type, anyValue), (message) => {
        expect(unpackOutbox(packOutbox([message]))).toEqual([message]);
      }),
      params,
    );
  });

  it(refused.name, () => {
    const plausibleAccepted = fc.oneof(...TYPES.map((type) => messageOf(type, plausibleValue).filter((message) => checkGuestMessage(message).ok)));
    assertProperty(
      fc.property(plausibleAccepted, (message) => {
        expect(unpackOutbox(packOutbox([message]))).toEqual([message]);
        for (const [key, field] of fieldsOf(message.type)) {
          const bad = { ...message, [key]: wrongValue(field) } as GuestToHost;
          expect(unpackOutbox(packOutbox([bad])), `${message.type}.${key}`).toEqual([{ type: 'malformed' }]);
          expect(checkGuestMessage(bad).ok, `${message.type}.${key}`).toBe(false);
        }
      }),
      refused,
    );
  });

  it('the host accepts a plausible message of every type (so that the refusals above are about the wrong field)', () => {
    for (const type of TYPES) {
      const samples = fc.sample(messageOf(type, plausibleValue), { numRuns: 200, seed: roundTrip.seed });
      expect(samples.some((message) => checkGuestMessage(message).ok), type).toBe(true);
    }
  });

  it('tags are 1, 2, 3 ... in table order (0 is MALFORMED), and the table names no other type', () => {
    expect(TYPES.map((type) => wireTag(type))).toEqual(TYPES.map((_, index) => index + 1));
    expect(TYPES.map((type) => GUEST_TO_HOST[type].tag)).toEqual(TYPES.map((_, index) => index + 1));
    expect(['malformed', 'grant', 'toString', '__proto__', 7, null].map(guestToHostEntry)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('a tag past the table, or MALFORMED\'s own, decodes as MALFORMED', () => {
    expect(unpackOutbox(Int32Array.of(1, TYPES.length + 1))).toEqual([{ type: 'malformed' }]);
    expect(unpackOutbox(Int32Array.of(1, 0))).toEqual([{ type: 'malformed' }]);
    expect(unpackOutbox(Int32Array.of(1, -1))).toEqual([{ type: 'malformed' }]);
  });
});

describe('the compiler refuses an incomplete table', () => {
  /** A message that is not in the protocol (yet). */
  interface PingMessage {
    type: 'ping';
    id: number;
    pages: number;
  }

  it('a new message type without an entry, or an entry without a field or with a field that cannot carry its value', () => {
    // @ts-expect-error -- the table has no entry for 'ping'
    const withoutEntry: ProtocolTable<GuestToHost | PingMessage> = GUEST_TO_HOST;
    const withEntry: ProtocolTable<GuestToHost | PingMessage> = { ...GUEST_TO_HOST, ping: { tag: 11, fields: { id: 'id', pages: 'int32' }, check: () => null } };
    const { unplug: _unplug, ...rest } = GUEST_TO_HOST;
    // @ts-expect-error -- 'unplug' is missing
    const withoutUnplug: GuestToHostTable = rest;
    // @ts-expect-error -- the entry of ping lacks its pages field
    const withoutField: ProtocolTable<GuestToHost | PingMessage> = { ...GUEST_TO_HOST, ping: { tag: 11, fields: { id: 'id' }, check: () => null } };
    // @ts-expect-error -- frames cannot carry a number
    const wrongField: ProtocolTable<GuestToHost | PingMessage> = { ...GUEST_TO_HOST, ping: { tag: 11, fields: { id: 'id', pages: 'frames' }, check: () => null } };
    expect([withoutEntry, withEntry, withoutUnplug, withoutField, wrongField].every((table) => typeof table === 'object')).toBe(true);
  });
});
