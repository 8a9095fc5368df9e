/**
 * unmapPageRun against unmap page by page: the same frames out, the same map
 * afterwards, and the same map windows (the map version, which concurrent
 * readers trust), whatever mix of mapped pages, pages without a frame and
 * pages the host paged out the run crosses, and however full the window
 * already open at its start.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { Counter, GuestSharedViews } from '../../src/guest/shared-memory.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

const PAGES = 4000;
/** Pages the stretches and the run cover; the last two are for the window opened before the run. */
const RUN_PAGES = PAGES - 2;

/** What a page holds before the run: a frame, nothing, or a frame the host paged out. */
const pageKind = fc.constantFrom('mapped', 'mapped', 'mapped', 'none', 'pagedOut');

const params = propertyParams('unmapPageRun is unmap page by page, windows included', { numRuns: 60 });

describe(`GuestMemory.unmapPageRun ${describeSeed(params.seed)}`, () => {
  it(params.name, () => {
    assertProperty(
      fc.property(
        // Stretches of pages of one kind, so that runs of thousands cross windows.
        fc.array(fc.record({ kind: pageKind, length: fc.integer({ min: 1, max: 700 }) }), { minLength: 1, maxLength: 12 }),
        fc.nat({ max: 1500 }),
        fc.record({ first: fc.nat({ max: RUN_PAGES - 1 }), step: fc.constantFrom(1, -1), count: fc.nat({ max: 3000 }) }),
        (stretches, changesBefore, { first, step, count }) => {
          const reach = step === 1 ? RUN_PAGES - first : first + 1;
          const length = Math.min(count, reach);
          const byRun = new GuestMemory(GuestSharedViews.allocate(PAGES));
          const byPage = new GuestMemory(GuestSharedViews.allocate(PAGES));
          for (const memory of [byRun, byPage]) {
            let page = 0;
            for (const { kind, length: stretch } of stretches) {
              for (let k = 0; k < stretch && page < RUN_PAGES; k++, page++) {
                if (kind === 'none') continue;
                memory.map(page, 10_000 + page);
                if (kind === 'pagedOut') memory.pageOut(page);
              }
            }
            memory.publish();
            // A window already open with some changes in it (mapping and unmapping pages past the run's reach).
            for (let k = 0; k < changesBefore; k++) memory.map(PAGES - 1 - (k % 2), 1), memory.unmap(PAGES - 1 - (k % 2));
          }
          const out = new Int32Array(length + 2).fill(-9);
          byRun.unmapPageRun(first, step, length, out, 1);
          const expected = [-9];
          for (let k = 0; k < length; k++) expected.push(byPage.unmap(first + k * step));
          expected.push(-9);
          expect(Array.from(out)).toEqual(expected);
          expect(byRun.mappedPages).toBe(byPage.mappedPages);
          expect(byRun.shared.counters[Counter.MAP_VERSION]).toBe(byPage.shared.counters[Counter.MAP_VERSION]);
          expect(Array.from(byRun.mapWords)).toEqual(Array.from(byPage.mapWords));
          // The window left open holds as many changes: the next ones close it at the same point.
          const versionsAfter = (memory: GuestMemory): number[] => {
            const versions: number[] = [];
            for (let k = 0; k < 1100; k++) {
              if (k % 2 === 0) memory.map(PAGES - 1, 7);
              else memory.unmap(PAGES - 1);
              versions.push(memory.shared.counters[Counter.MAP_VERSION]!);
            }
            return versions;
          };
          expect(versionsAfter(byRun)).toEqual(versionsAfter(byPage));
        },
      ),
      params,
    );
  });
});
