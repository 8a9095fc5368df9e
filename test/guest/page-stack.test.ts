/**
 * The page stack: runs of consecutive pages stored as their ends, popped in
 * exactly the reverse of push order. `pushMany` must leave the stack exactly
 * as the same pages pushed one by one would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageStack } from '../../src/guest/page-stack.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

/** Everything a stack would give, popped one by one. */
function drain(stack: PageStack): number[] {
  const out: number[] = [];
  for (let page = stack.pop(); page >= 0; page = stack.pop()) out.push(page);
  return out;
}

/** Pages in runs going up or down, some of one page, some repeating a neighbour's end: the shapes pushMany must join or split. */
const pageRuns = fc.array(
  fc.record({ first: fc.integer({ min: 0, max: 200 }), length: fc.integer({ min: 1, max: 6 }), step: fc.constantFrom(1, -1) }),
  { maxLength: 30 },
).map((runs) => {
  const pages: number[] = [];
  for (const { first, length, step } of runs) for (let k = 0; k < length; k++) pages.push(Math.max(0, first + k * step));
  return pages;
});

const params = propertyParams('pushMany is push one by one', { numRuns: 300 });

describe(`PageStack ${describeSeed(params.seed)}`, () => {
  it(params.name, () => {
    assertProperty(
      fc.property(pageRuns, fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 3 }), fc.nat({ max: 5 }), (pages, before, offset) => {
        const one = new PageStack();
        const many = new PageStack();
        for (const page of before) {
          one.push(page);
          many.push(page);
        }
        for (const page of pages) one.push(page);
        const buffer = new Int32Array(offset + pages.length);
        buffer.set(pages, offset);
        many.pushMany(buffer, offset, pages.length);
        expect(many.count).toBe(one.count);
        expect(many.bytes).toBe(one.bytes);
        expect(drain(many)).toEqual(drain(one));
      }),
      params,
    );
  });

  it('keeps a run of consecutive pages as one run, and pops it from its last page', () => {
    const stack = new PageStack();
    stack.pushMany(Int32Array.of(5, 6, 7, 8, 3, 2, 1, 9), 0, 8);
    expect(stack.count).toBe(8);
    expect(drain(stack)).toEqual([9, 1, 2, 3, 8, 7, 6, 5]);
  });
});
