/**
 * The balloon driver's releases in flight: what each named comes back with
 * its ack, in any order, and an ack of a release not in flight finds nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReleasesInFlight } from '../../src/guest/releases-in-flight.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

const params = propertyParams('take finds what add put, as a Map would', { numRuns: 200 });

describe(`ReleasesInFlight ${describeSeed(params.seed)}`, () => {
  it(params.name, () => {
    // Commands: send a release (pages, unbacked), or ack the oldest, the newest, or some id (maybe one never sent).
    const command = fc.oneof(
      fc.record({ send: fc.constant(true), pages: fc.nat({ max: 4096 }), unbacked: fc.nat({ max: 100 }) }),
      fc.record({ send: fc.constant(false), pick: fc.nat({ max: 40 }) }),
    );
    assertProperty(
      fc.property(fc.array(command, { maxLength: 120 }), (commands) => {
        const table = new ReleasesInFlight();
        const model = new Map<number, { pages: number; unbacked: number }>();
        let nextId = 1_000;
        for (const c of commands) {
          if (c.send) {
            table.add(nextId, c.pages, c.unbacked);
            model.set(nextId, { pages: c.pages, unbacked: c.unbacked });
            nextId++;
            continue;
          }
          const ids = [...model.keys()];
          const id = c.pick < ids.length ? ids[c.pick]! : nextId + c.pick;
          const sent = model.get(id);
          model.delete(id);
          expect(table.take(id)).toBe(sent !== undefined);
          if (sent !== undefined) expect([table.takenPages, table.takenUnbacked]).toEqual([sent.pages, sent.unbacked]);
          expect(table.count).toBe(model.size);
        }
      }),
      params,
    );
  });

  it('takes acks in the order of sending without moving the others, and has room for many', () => {
    const table = new ReleasesInFlight();
    for (let id = 0; id < 100; id++) table.add(id, id * 2, id % 3);
    for (let id = 0; id < 100; id++) {
      expect(table.take(id)).toBe(true);
      expect([table.takenPages, table.takenUnbacked]).toEqual([id * 2, id % 3]);
    }
    expect(table.count).toBe(0);
    expect(table.take(5)).toBe(false);
  });
});
