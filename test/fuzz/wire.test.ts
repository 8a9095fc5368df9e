/**
 * Wire-level fuzzing (issue 13, point 3): a hostile guest's arbitrary and
 * mutated packed outboxes (wrong tags, truncated batches, huge counts, frames
 * out of range, repeated frames, other guests' frames, valid messages at the
 * wrong time) through the real wire decoder and the real host, next to honest
 * guests (wire-case.ts says what is checked). `npm test` runs a short course;
 * `npm run fuzz -- --wire --time 10m` runs it for as long as asked and prints
 * messages per second. A failure prints its seed and the line that replays it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGuestOutbox, encodeGuestOutbox } from '../../src/runtime/wire-codec.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { fuzzBudgetMs, fuzzCounter } from '../support/fuzz-report.js';
import { runWireCase, wireCase, type WireCounts } from './wire-case.js';

const budgetMs = fuzzBudgetMs('wire');
const count = fuzzCounter('wire');

// Under `npm run fuzz`, the decoder alone gets a twentieth of the time, the whole path the rest.
const params = propertyParams(
  'a hostile guest\'s words are refused and counted, and change nothing but its own frames',
  budgetMs === null ? { numRuns: 100 } : { numRuns: 1_000_000_000, interruptAfterTimeLimit: Math.floor(budgetMs * 0.95) },
);

describe(`wire-level fuzzing of the decoder and the host ${describeSeed(params.seed)}`, () => {
  it(
    params.name,
    () => {
      assertProperty(
        fc.property(wireCase(budgetMs === null ? { messagesMax: 8, deliveriesMax: 3 } : { messagesMax: 40, deliveriesMax: 8 }), (c) => {
          const counts: WireCounts = { deliveries: 0, messages: 0, words: 0, badMessages: 0, quarantined: 0 };
          runWireCase(c, counts);
          count({ runs: 1, ...counts });
        }),
        params,
      );
    },
    (budgetMs ?? 60_000) + 120_000,
  );

  const anyWords = propertyParams('the decoder takes any words', budgetMs === null ? { numRuns: 2000 } : { numRuns: 1_000_000_000, interruptAfterTimeLimit: Math.floor(budgetMs * 0.05) });
  it(anyWords.name, () => {
    assertProperty(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 64 }), fc.array(fc.nat({ max: 30 }), { maxLength: 64 }), (words, tags) => {
        // Raw words, and words whose small values are likely tags and lengths.
        for (const input of [Int32Array.from(words), Int32Array.from(tags)]) {
          const messages = decodeGuestOutbox(input);
          for (const message of messages) expect(typeof message.type).toBe('string');
          count({ 'decoded outboxes': 1 });
        }
      }),
      anyWords,
    );
  });
});

describe('one guest\'s outbox on the wire', () => {
  const release = { type: 'release' as const, id: 7, frames: Int32Array.of(10, 11, 12), unbackedPages: 0 };
  const status = { type: 'status' as const, balloonPages: 1, usedPages: 2, freePages: 3 };

  it('comes back as it was packed', () => {
    expect(decodeGuestOutbox(encodeGuestOutbox([release, status]))).toEqual([release, status]);
  });

  it('cut short: what was whole is read, the rest is one malformed message', () => {
    const words = encodeGuestOutbox([status, release]);
    expect(decodeGuestOutbox(words.subarray(0, words.length - 1))).toEqual([status, { type: 'malformed' }]);
  });

  it('a count that lies: huge or negative counts cost no memory and end in one malformed message', () => {
    const words = encodeGuestOutbox([status]);
    words[0] = 2 ** 31 - 1;
    expect(decodeGuestOutbox(words)).toEqual([status, { type: 'malformed' }]);
    words[0] = -5;
    expect(decodeGuestOutbox(words)).toEqual([{ type: 'malformed' }]);
    expect(decodeGuestOutbox(new Int32Array(0))).toEqual([{ type: 'malformed' }]);
  });

  it('a frame batch longer than the buffer, or words after the last message, are malformed', () => {
    const words = encodeGuestOutbox([release]);
    words[words.length - 4] = 1000; // the batch's length
    expect(decodeGuestOutbox(words)).toEqual([{ type: 'malformed' }]);
    expect(decodeGuestOutbox(Int32Array.from([...encodeGuestOutbox([status]), 99]))).toEqual([status, { type: 'malformed' }]);
  });
});
