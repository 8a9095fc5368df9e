/**
 * Unit tests of src/guest/page-map.ts: the page-to-frame map on its own
 * (GuestMemory's tests cover it with the page states on top): the counters
 * the host and the auditor read, and the host paging marks' transitions.
 */
import { describe, expect, it } from 'vitest';
import { GuestPageMap } from '../../src/guest/page-map.js';
import { Counter, GuestSharedViews, HOST_SWAPPED, NO_FRAME, SWAP_IN_PENDING } from '../../src/guest/shared-memory.js';

function freshMap(pages: number): GuestPageMap {
  return new GuestPageMap(GuestSharedViews.allocate(pages));
}

const counter = (map: GuestPageMap, which: number): number => map.shared.counters[which]!;

describe('GuestPageMap', () => {
  it('maps runs up and down with consecutive frames, and refuses a page that has one', () => {
    const map = freshMap(16);
    map.mapPageRun(2, 1, 3, 40);
    map.mapPageRun(10, -1, 2, 50);
    expect([2, 3, 4, 10, 9].map((page) => map.frameOfPage(page))).toEqual([40, 41, 42, 50, 51]);
    expect(map.mappedPages).toBe(5);
    expect(() => map.mapPageRun(4, 1, 2, 60)).toThrow(/^GuestMemory\.mapPageRun: page 4 already maps frame 42/);
    expect(() => map.mapPageRun(0, 1, 1, -1)).toThrow(/^GuestMemory\.mapPageRun: frames must be frame numbers/);
  });

  it('maps runs to the frames of a list (frames handed back), and refuses a page that has one or a frame that is none', () => {
    const map = freshMap(16);
    map.mapPageFrames(6, -1, 3, Int32Array.of(99, 70, 12, 31), 1);
    expect([6, 5, 4].map((page) => map.frameOfPage(page))).toEqual([70, 12, 31]);
    expect(map.mappedPages).toBe(3);
    expect(() => map.mapPageFrames(7, -1, 2, Int32Array.of(1, 2), 0)).toThrow(/^GuestMemory\.mapPageFrames: page 6 already maps frame 70/);
    expect(() => map.mapPageFrames(0, 1, 1, Int32Array.of(-3), 0)).toThrow(/^GuestMemory\.mapPageFrames: frames must be frame numbers, got -3 for page 0/);
  });

  it('maps nothing for an empty run, even one that starts at a map end', () => {
    const map = freshMap(16);
    map.mapPageRun(0, 1, 0, 40);
    map.mapPageRun(15, -1, 0, 40);
    map.mapPageRun(15, 1, 0, 40);
    expect(map.mappedPages).toBe(0);
    expect(counter(map, Counter.MAP_VERSION)).toBe(0);
  });

  it('pages out, swaps in and drops pages with the marks and counters in step', () => {
    const map = freshMap(8);
    map.map(0, 100);
    map.map(1, 101);
    map.map(2, 102);
    expect(map.pageOut(0)).toBe(100);
    expect(map.pageOut(1)).toBe(101);
    expect(map.frameOfPage(0)).toBe(HOST_SWAPPED);
    expect([map.mappedPages, map.hostSwappedPages, counter(map, Counter.HOST_SWAP_SLOTS)]).toEqual([1, 2, 2]);
    expect(() => map.pageOut(0)).toThrow(/^GuestMemory\.pageOut: page 0 maps no frame/);

    // Page 0 comes back with a frame; page 1 is touched but its answer brings none.
    map.markSwapInPending(0);
    map.markSwapInPending(1);
    expect(map.frameOfPage(1)).toBe(SWAP_IN_PENDING);
    map.resolveSwapIn(0, 200);
    map.resolveSwapIn(1, null);
    expect(map.frameOfPage(0)).toBe(200);
    expect(map.frameOfPage(1)).toBe(HOST_SWAPPED);
    expect([map.mappedPages, map.hostSwappedPages, counter(map, Counter.HOST_SWAP_SLOTS)]).toEqual([2, 1, 1]);
    expect(() => map.resolveSwapIn(0, 5)).toThrow(/^GuestMemory\.resolveSwapIn: page 0 has no swap-in in flight/);

    // Page 1 leaves the workload: read back (double paging), its slot freed. A page with a frame is left as it is.
    expect(map.dropHostSwap(1, true)).toBe(HOST_SWAPPED);
    expect(map.dropHostSwap(2, false)).toBe(102);
    expect(map.frameOfPage(1)).toBe(NO_FRAME);
    expect([map.hostSwappedPages, counter(map, Counter.HOST_SWAP_SLOTS), map.hostSwapReadPages, map.hostSwapDiscardedPages]).toEqual([0, 0, 1, 0]);
  });

  it('counts a page dropped while its swap-in is in flight, which keeps its slot until the answer', () => {
    const map = freshMap(4);
    map.map(3, 9);
    map.pageOut(3);
    map.markSwapInPending(3);
    map.swapInAsked = true;
    expect(map.dropHostSwap(3, false)).toBe(SWAP_IN_PENDING);
    expect([map.swapInDroppedPages, map.hostSwappedPages, counter(map, Counter.HOST_SWAP_SLOTS)]).toEqual([1, 0, 1]);
    map.releaseSwapSlot(true);
    expect([counter(map, Counter.HOST_SWAP_SLOTS), map.hostSwapDiscardedPages]).toEqual([0, 1]);
  });

  it('changes the map only inside windows: the version is odd while one is open', () => {
    const map = freshMap(4);
    map.map(0, 1);
    expect(counter(map, Counter.MAP_VERSION) % 2).toBe(1);
    map.closeMapWindow();
    expect(counter(map, Counter.MAP_VERSION)).toBe(2);
    map.pageOut(0);
    expect(counter(map, Counter.MAP_VERSION)).toBe(3);
  });
});
