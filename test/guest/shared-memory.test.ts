/** What a guest publishes in shared memory: the page map as complemented words, page states, counters, stats; and its tear-down. */
import { describe, expect, it } from 'vitest';
import { PageState } from '../../src/guest/page-state.js';
import { Counter, COUNTER_SLOTS, frameOfWord, GuestSharedViews, HOST_SWAPPED, NO_FRAME, Stat, STAT_SLOTS, SWAP_IN_PENDING, MapBacking, wordOfFrame } from '../../src/guest/shared-memory.js';

describe('map words', () => {
  it('store a frame or mark as its complement, so that a zero-filled map maps nothing', () => {
    expect(wordOfFrame(NO_FRAME)).toBe(0);
    expect(frameOfWord(0)).toBe(NO_FRAME);
    for (const value of [0, 1, 12_345, HOST_SWAPPED, SWAP_IN_PENDING]) expect(frameOfWord(wordOfFrame(value))).toBe(value);
    expect(new Set([NO_FRAME, HOST_SWAPPED, SWAP_IN_PENDING]).size).toBe(3);
  });
});

describe('MapBacking', () => {
  it('leaves every word as it was, zero or not, whichever way the range goes', () => {
    const words = new Int32Array(new SharedArrayBuffer(5000 * 4));
    for (let i = 0; i < words.length; i += 7) words[i] = wordOfFrame(i);
    const before = words.slice();
    const backing = new MapBacking(words);
    backing.writeBeforeRead(4999, 3);
    backing.writeBeforeRead(0, 4999);
    backing.writeBeforeRead(1024, 1024);
    expect(words).toEqual(before);
  });

  it('writes each chunk of 1,024 words once: the chunks a range reaches, the last one short', () => {
    const backing = new MapBacking(new Int32Array(new SharedArrayBuffer(5000 * 4)));
    backing.writeBeforeRead(1500, 1500);
    expect(backing.chunksBacked).toBe(1);
    backing.writeBeforeRead(2047, 1024);
    expect(backing.chunksBacked).toBe(1);
    backing.writeBeforeRead(4999, 2048);
    expect(backing.chunksBacked).toBe(4);
    backing.writeBeforeRead(0, 4999);
    expect(backing.chunksBacked).toBe(5);
  });
});

describe('GuestSharedViews', () => {
  it('allocates a guest whose pages are all unpopulated and map nothing', () => {
    const views = GuestSharedViews.allocate(10);
    expect(views.pages).toBe(10);
    expect(views.counters).toHaveLength(COUNTER_SLOTS);
    expect(views.stats).toHaveLength(STAT_SLOTS);
    expect(views.counters[PageState.UNPOPULATED]).toBe(10);
    expect(views.counters[Counter.MAPPED]).toBe(0);
    for (let page = 0; page < 10; page++) expect([views.frameAt(page), views.pageState[page]]).toEqual([NO_FRAME, PageState.UNPOPULATED]);
  });

  it('writes and reads a page\'s frame directly', () => {
    const views = GuestSharedViews.allocate(4);
    views.setFrameAt(2, 77);
    views.setFrameAt(3, HOST_SWAPPED);
    expect([views.frameAt(2), views.frameAt(3), views.frameAt(0)]).toEqual([77, HOST_SWAPPED, NO_FRAME]);
    expect(views.mapWords[2]).toBe(~77);
  });

  it('shares its buffers: views over the same buffers see the same memory', () => {
    const a = GuestSharedViews.allocate(4);
    const b = new GuestSharedViews(a.buffers);
    a.setFrameAt(1, 9);
    expect(b.frameAt(1)).toBe(9);
  });

  it('refuses a size that is not a positive integer, and buffers of different page counts', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => GuestSharedViews.allocate(bad)).toThrow(/^GuestSharedViews\.allocate: pages must be a positive integer, got /);
    const a = GuestSharedViews.allocate(4);
    const b = GuestSharedViews.allocate(5);
    expect(() => new GuestSharedViews({ ...a.buffers, pageState: b.buffers.pageState })).toThrow('GuestSharedViews: frameOf has 4 pages but pageState has 5');
  });

  it('tears down to a fresh guest: the map wiped, states and counters reset, the versions moved on, the map version even again', () => {
    const views = GuestSharedViews.allocate(4);
    views.setFrameAt(0, 5);
    views.pageState[0] = PageState.KERNEL;
    views.counters[PageState.UNPOPULATED] = 3;
    views.counters[PageState.KERNEL] = 1;
    views.counters[Counter.MAPPED] = 1;
    views.counters[Counter.VERSION] = 10;
    // A guest killed in the middle of a change left the map version odd.
    views.counters[Counter.MAP_VERSION] = 7;
    views.stats[Stat.SWAP_PAGES] = 12;
    views.tearDown();
    expect(views.frameAt(0)).toBe(NO_FRAME);
    expect(views.pageState[0]).toBe(0);
    expect([views.counters[PageState.UNPOPULATED], views.counters[PageState.KERNEL], views.counters[Counter.MAPPED]]).toEqual([4, 0, 0]);
    expect(views.counters[Counter.VERSION]).toBe(11);
    expect(views.counters[Counter.MAP_VERSION]).toBe(10);
    expect(views.stats[Stat.SWAP_PAGES]).toBe(0);
    views.tearDown();
    expect(views.counters[Counter.MAP_VERSION]).toBe(12);
  });
});
