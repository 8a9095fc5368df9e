/** Where runs of a guest's pages end, as the full audit finds them: in WebAssembly (an arena) and in JavaScript. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageRunsInJs, pageRunsOf, type PageRuns } from '../../src/audit/page-scans.js';
import { allocatePageMaps } from '../../src/guest/page-map-arena.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

/** The end of a run without frames from `page`, page by page: what every way must find. */
function unmappedReference(words: Int32Array, states: Uint8Array, page: number, state: number): number {
  let end = page;
  while (end < words.length && words[end] === 0 && states[end] === state) end++;
  return end;
}

/** The end of a run of consecutive frames from `page` (whose word must be `word`), going up or down, before `limit`, page by page. */
function mappedReference(words: Int32Array, states: Uint8Array, page: number, word: number, state: number, frameStep: 1 | -1, limit: number): number {
  let end = page;
  while (end < limit && words[end] === word - (end - page) * frameStep && states[end] === state) end++;
  return end;
}

/** A stretch of pages: one state, and no frame or consecutive words going down (frames up) or up (frames down) from `word`. */
const stretchArb = fc.record({
  state: fc.constantFrom(0, 1, 2, 6, 255),
  mapped: fc.boolean(),
  frameStep: fc.constantFrom<1 | -1>(1, -1),
  word: fc.constantFrom(-1, -2, -1000, -0x4000_0000, 5),
  length: fc.integer({ min: 1, max: 90 }),
  // A page of the stretch given another word or state, or none (-1).
  odd: fc.integer({ min: -1, max: 89 }),
});

const params = propertyParams<[Array<{ state: number; mapped: boolean; frameStep: 1 | -1; word: number; length: number; odd: number }>, number, number]>(
  'find where a run ends as a page-by-page reading does, in WebAssembly and in JavaScript',
  { numRuns: 300 },
);

describe(`page runs ${describeSeed(params.seed)}`, () => {
  it('are found in WebAssembly for a map and states in an arena, and in JavaScript for plain ones', () => {
    const [views] = allocatePageMaps([100]);
    expect(views!.arena).not.toBeNull();
    expect(pageRunsOf(views!.frameOf, views!.pageState, views!.arena).inWasm).toBe(true);
    expect(pageRunsOf(new Int32Array(100), new Uint8Array(100), null).inWasm).toBe(false);
  });

  it(params.name, () => {
    assertProperty(
      fc.property(fc.array(stretchArb, { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), (stretches, at, pick) => {
        const wordList: number[] = [];
        const stateList: number[] = [];
        for (const { state, mapped, frameStep, word, length, odd } of stretches) {
          for (let k = 0; k < length; k++) {
            const oddOne = k === odd;
            wordList.push(mapped ? word - k * frameStep + (oddOne ? 7 : 0) : oddOne && pick % 2 === 0 ? -9 : 0);
            stateList.push(oddOne && pick % 2 === 1 ? (state + 1) % 256 : state);
          }
        }
        const pages = wordList.length;
        const [views] = allocatePageMaps([pages]);
        const words = views!.frameOf;
        const states = views!.pageState;
        words.set(wordList);
        states.set(stateList);
        const page = at % (pages + 1);
        const state = page < pages ? states[page]! : 0;
        const word = page < pages ? words[page]! : 0;
        const plainStates = Uint8Array.from(stateList);
        const offBoundary = new Uint8Array(pages + 1).subarray(1);
        offBoundary.set(stateList);
        const plainWords = Int32Array.from(wordList);
        // Up and down, to the end of the pages and to a limit short of it.
        const limit = page + (pick % (pages - page + 1));
        for (const runs of [pageRunsOf(words, states, views!.arena), pageRunsInJs(plainWords, plainStates), pageRunsInJs(plainWords, offBoundary)]) {
          expect([runs.inWasm, runs.unmappedEnd(page, state)]).toEqual([runs.inWasm, unmappedReference(words, states, page, state)]);
          for (const frameStep of [1, -1] as const) {
            for (const end of [pages, limit]) {
              expect([runs.inWasm, frameStep, end, runs.mappedEnd(page, word, state, frameStep, end)]).toEqual([runs.inWasm, frameStep, end, mappedReference(words, states, page, word, state, frameStep, end)]);
            }
          }
        }
      }),
      params,
    );
  });

  it('use WebAssembly only for views of the arena given', () => {
    const [views] = allocatePageMaps([100]);
    const [other] = allocatePageMaps([100]);
    expect(pageRunsOf(other!.frameOf, views!.pageState, views!.arena).inWasm).toBe(false);
    expect(pageRunsOf(views!.frameOf, other!.pageState, views!.arena).inWasm).toBe(false);
    expect(pageRunsOf(new Int32Array(100), new Uint8Array(100), views!.arena).inWasm).toBe(false);
  });

  it('find one odd page anywhere in a long run, whichever way it is odd, in every way', () => {
    const pages = 3_000;
    const [views] = allocatePageMaps([pages]);
    const words = views!.frameOf;
    const states = views!.pageState;
    // Each way over the pages as they are now: WebAssembly, JavaScript four states at a time, JavaScript one by one.
    const ways = (): Array<[string, PageRuns]> => {
      const offBoundary = new Uint8Array(pages + 1).subarray(1);
      offBoundary.set(states);
      return [
        ['WebAssembly', pageRunsOf(words, states, views!.arena)],
        ['JavaScript', pageRunsInJs(words, states)],
        ['JavaScript, states off a word boundary', pageRunsInJs(words, offBoundary)],
      ];
    };
    // Odd pages at every place in the first steps (of four pages in JavaScript; of sixteen in WebAssembly, from the
    // 17th page on: the first sixteen are read before it is called) and a few far on.
    const odds = [...Array.from({ length: 72 }, (_, page) => page), 1_000, 1_234, 2_998, 2_999];
    const froms = [0, 1, 2, 3, 5, 17];
    states.fill(4);
    for (const [way, runs] of ways()) expect([way, runs.unmappedEnd(0, 4)]).toEqual([way, pages]);
    for (const odd of odds) {
      for (const [kind, spoil, mend] of [
        ['word', () => (words[odd] = -5), () => (words[odd] = 0)],
        ['state', () => (states[odd] = 5), () => (states[odd] = 4)],
      ] as const) {
        spoil();
        for (const [way, runs] of ways()) {
          for (const from of froms) if (from <= odd) expect([way, kind, odd, from, runs.unmappedEnd(from, 4)]).toEqual([way, kind, odd, from, odd]);
        }
        mend();
      }
    }
    // Frames going up a page (words down), then down (words up).
    for (const frameStep of [1, -1] as const) {
      const wordAt = (page: number) => (frameStep === 1 ? -100 - page : -100_000 + page);
      for (let page = 0; page < pages; page++) words[page] = wordAt(page);
      for (const [way, runs] of ways()) {
        expect([way, frameStep, runs.mappedEnd(0, wordAt(0), 4, frameStep, pages), runs.mappedEnd(3, wordAt(3), 4, frameStep, pages), runs.mappedEnd(0, wordAt(0) + frameStep, 4, frameStep, pages)]).toEqual([way, frameStep, pages, pages, 0]);
        // The other way, the run is one page long; a limit ends it.
        expect([way, frameStep, runs.mappedEnd(0, wordAt(0), 4, frameStep === 1 ? -1 : 1, pages), runs.mappedEnd(0, wordAt(0), 4, frameStep, 1_234)]).toEqual([way, frameStep, 1, 1_234]);
      }
      for (const odd of odds) {
        for (const [kind, spoil, mend] of [
          ['word', () => (words[odd] = wordAt(odd) + 1), () => (words[odd] = wordAt(odd))],
          ['state', () => (states[odd] = 5), () => (states[odd] = 4)],
        ] as const) {
          spoil();
          for (const [way, runs] of ways()) {
            for (const from of froms) if (from <= odd) expect([way, frameStep, kind, odd, from, runs.mappedEnd(from, wordAt(from), 4, frameStep, pages)]).toEqual([way, frameStep, kind, odd, from, odd]);
          }
          mend();
        }
      }
    }
  });
});
