import { describe, expect, it } from 'vitest';
import type { HostReport } from '../../../src/host/device/device-group.js';
import { inGuestOrder } from '../../../src/host/manager/report-order.js';

function report(parts: Partial<HostReport>): HostReport {
  return { events: [], distress: [], surrendered: [], framesMoved: 0, messagesHandled: 0, transferFailures: 0, transferFailureDetails: [], ...parts };
}

describe('inGuestOrder', () => {
  it('merges the threads\' reports as one thread hosting every guest would have written them', () => {
    const runs = (first: number): Int32Array => Int32Array.of(first, 1);
    const even = report({
      events: [
        { guest: 0, kind: 'setTarget', detail: 'a' },
        { guest: 2, kind: 'setTarget', detail: 'b' },
        { guest: 2, kind: 'crash', detail: 'c' },
      ],
      distress: [{ guest: 2, reason: 'oom', fullAvg10: 0, availablePages: 0 }],
      surrendered: [
        { shard: 0, runs: runs(10) },
        { shard: 2, runs: runs(30) },
      ],
      framesMoved: 5,
      messagesHandled: 2,
      transferFailures: 1,
      transferFailureDetails: [{ frame: 9, expectedOwner: 0, foundOwner: 1, newOwner: 2 }],
    });
    const odd = report({
      events: [
        { guest: 1, kind: 'crash', detail: 'd' },
        { guest: 3, kind: 'setTarget', detail: 'e' },
      ],
      distress: [{ guest: 1, reason: 'stall', fullAvg10: 5, availablePages: 10 }],
      surrendered: [{ shard: 1, runs: runs(20) }],
      framesMoved: 7,
      messagesHandled: 3,
      transferFailures: 2,
      transferFailureDetails: [{ frame: 4, expectedOwner: 0, foundOwner: 3, newOwner: 1 }],
    });
    const merged = inGuestOrder([even, odd]);
    expect(merged.events.map((event) => event.detail)).toEqual(['a', 'd', 'b', 'c', 'e']);
    expect(merged.distress.map((heard) => heard.guest)).toEqual([1, 2]);
    expect(merged.surrendered.map((part) => part.runs[0])).toEqual([10, 20, 30]);
    expect(merged.transferFailureDetails.map((failure) => failure.frame)).toEqual([4, 9]);
    expect([merged.framesMoved, merged.messagesHandled, merged.transferFailures]).toEqual([12, 5, 3]);
  });

  // Hostile guests flooding the host (flood: 200000) made reports this long, and push(...entries) overflowed the stack.
  it('merges reports of hundreds of thousands of entries', () => {
    const many = (guest: number): HostReport['events'] => Array.from({ length: 300_000 }, () => ({ guest, kind: 'violation' as const, detail: '' }));
    const merged = inGuestOrder([report({ events: many(1) }), report({ events: many(0) })]);
    expect(merged.events).toHaveLength(600_000);
    expect([merged.events[0]!.guest, merged.events[599_999]!.guest]).toEqual([0, 1]);
  });

  it('gives the same result whichever order the threads answered in', () => {
    const a = report({ events: [{ guest: 0, kind: 'setTarget', detail: 'x' }], surrendered: [{ shard: 0, runs: Int32Array.of(1, 1) }] });
    const b = report({ events: [{ guest: 1, kind: 'setTarget', detail: 'y' }], surrendered: [{ shard: 1, runs: Int32Array.of(2, 1) }] });
    expect(inGuestOrder([b, a])).toEqual(inGuestOrder([a, b]));
  });
});
