/**
 * Wire-level fuzzing (issue 13, point 3): a hostile guest's arbitrary and
 * mutated packed outboxes (wrong tags, truncated batches, huge counts, frames
 * out of range, repeated frames, other guests' frames, valid messages at the
 * wrong time) through the real wire decoder (unpackOutbox) and its device
 * side, next to honest guests and the memory manager, and junk in the
 * signals it publishes in shared memory (wire-case.ts says what is checked).
 * `npm test` runs a short course; `npm run fuzz -- --only wire --time 10m`
 * runs it for as long as asked and prints messages per second. A failure
 * prints its seed and the line that replays it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GuestToHost } from '../../src/messages/protocol.js';
import { packOutbox, unpackOutbox } from '../../src/runtime/wire-codec.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { fuzzBudgetMs, fuzzCounter } from '../support/fuzz-report.js';
import { noCounts, runWireCase, wireCase } from './wire-case.js';

const budgetMs = fuzzBudgetMs('wire');
const count = fuzzCounter('wire');

// Under `npm run fuzz`, the decoder alone gets a twentieth of the time, the whole path the rest.
const params = propertyParams(
  'a hostile guest\'s words are refused and counted, and change nothing but its own frames',
  budgetMs === null ? { numRuns: 100 } : { numRuns: 1_000_000_000, interruptAfterTimeLimit: Math.floor(budgetMs * 0.95) },
);

describe(`wire-level fuzzing of the decoder and the device side ${describeSeed(params.seed)}`, () => {
  it(
    params.name,
    () => {
      assertProperty(
        fc.property(wireCase(budgetMs === null ? { messagesMax: 8, deliveriesMax: 3 } : { messagesMax: 40, deliveriesMax: 8 }), (c) => {
          const counts = noCounts();
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
          const messages = unpackOutbox(input);
          for (const message of messages) expect(typeof message.type).toBe('string');
          count({ 'decoded outboxes': 1 });
        }
      }),
      anyWords,
    );
  });
});

describe('one guest\'s outbox on the wire', () => {
  const release: GuestToHost = { type: 'release', id: 7, frames: Int32Array.of(10, 11, 12), unbackedPages: 0 };
  const request: GuestToHost = { type: 'request', id: 2 ** 33 + 1, purpose: 'populate', pages: 3, withFrames: true };

  it('comes back as it was packed', () => {
    expect(unpackOutbox(packOutbox([release, request]))).toEqual([release, request]);
  });

  it('cut short: what was whole is read, the rest is one malformed message', () => {
    const words = packOutbox([request, release]);
    expect(unpackOutbox(words.subarray(0, words.length - 1))).toEqual([request, { type: 'malformed' }]);
  });

  it('a count that lies: huge or negative counts cost no memory and end in one malformed message', () => {
    const words = packOutbox([request]);
    words[0] = 2 ** 31 - 1;
    expect(unpackOutbox(words)).toEqual([request, { type: 'malformed' }]);
    words[0] = -5;
    expect(unpackOutbox(words)).toEqual([{ type: 'malformed' }]);
    expect(unpackOutbox(new Int32Array(0))).toEqual([{ type: 'malformed' }]);
  });

  it('a frame batch longer than the buffer, or words after the last message, are malformed', () => {
    const words = packOutbox([release]);
    words[words.length - 4] = 1000; // the batch's length
    expect(unpackOutbox(words)).toEqual([{ type: 'malformed' }]);
    expect(unpackOutbox(Int32Array.from([...packOutbox([request]), 99]))).toEqual([request, { type: 'malformed' }]);
  });
});
