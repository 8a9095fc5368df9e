import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { PAGE_STATE_COUNT, PageState, type PageStateValue } from '../../src/guest/page-state.js';
import { Counter, GuestSharedViews, NO_FRAME } from '../../src/guest/shared-memory.js';

function freshMemory(pages: number): GuestMemory {
  return new GuestMemory(GuestSharedViews.allocate(pages));
}

function stateCounts(memory: GuestMemory): number[] {
  return Array.from({ length: PAGE_STATE_COUNT }, (_, state) => memory.count(state as PageStateValue));
}

function takeAll(memory: GuestMemory, state: PageStateValue): number[] {
  const pages: number[] = [];
  for (let page = memory.take(state); page >= 0; page = memory.take(state)) pages.push(page);
  return pages;
}

describe('GuestMemory', () => {
  it('starts with every page unpopulated and unmapped', () => {
    const memory = freshMemory(8);
    expect(memory.pages).toBe(8);
    expect(memory.count(PageState.UNPOPULATED)).toBe(8);
    expect(memory.mappedPages).toBe(0);
    for (let page = 0; page < 8; page++) {
      expect(memory.stateOf(page)).toBe(PageState.UNPOPULATED);
      expect(memory.frameOfPage(page)).toBe(NO_FRAME);
    }
    expect(memory.selfCheck()).toEqual([]);
  });

  describe('layOut', () => {
    it('makes boot pages free and unbacked and the rest balloon, handing out low pages first', () => {
      const memory = freshMemory(8);
      memory.layOut(5);
      expect(memory.count(PageState.FREE_UNBACKED)).toBe(5);
      expect(memory.count(PageState.BALLOON)).toBe(3);
      expect(memory.count(PageState.UNPOPULATED)).toBe(0);
      expect(memory.mappedPages).toBe(0);
      expect(memory.selfCheck()).toEqual([]);
      expect(takeAll(memory, PageState.FREE_UNBACKED)).toEqual([0, 1, 2, 3, 4]);
      expect(takeAll(memory, PageState.BALLOON)).toEqual([5, 6, 7]);
    });

    it('accepts a guest whose boot size is its whole address space', () => {
      const memory = freshMemory(4);
      memory.layOut(4);
      expect(memory.count(PageState.FREE_UNBACKED)).toBe(4);
      expect(memory.count(PageState.BALLOON)).toBe(0);
      expect(memory.take(PageState.BALLOON)).toBe(-1);
    });

    it('rejects boot pages outside 1..pages, naming itself', () => {
      expect(() => freshMemory(4).layOut(0)).toThrow(/^GuestMemory\.layOut: boot pages 0 outside 1\.\.4/);
      expect(() => freshMemory(4).layOut(5)).toThrow(/^GuestMemory\.layOut: /);
    });
  });

  describe('put and take', () => {
    it('keeps one LIFO stack per stacked state', () => {
      const memory = freshMemory(6);
      memory.layOut(6);
      const a = memory.take(PageState.FREE_UNBACKED);
      const b = memory.take(PageState.FREE_UNBACKED);
      memory.put(a, PageState.FREE);
      memory.put(b, PageState.BALLOON);
      expect(memory.selfCheck()).toEqual([]);
      expect(memory.take(PageState.FREE)).toBe(a);
      expect(memory.take(PageState.FREE)).toBe(-1);
      expect(memory.take(PageState.BALLOON)).toBe(b);
      expect(memory.take(PageState.BALLOON)).toBe(-1);
      // The next unbacked page is the one after b; a and b are still in their states until put.
      expect(memory.take(PageState.FREE_UNBACKED)).toBe(2);
      expect(memory.stateOf(a)).toBe(PageState.FREE);
      expect(memory.stateOf(b)).toBe(PageState.BALLOON);
    });

    it('counts pages per state, and the counts add up to the page count', () => {
      const memory = freshMemory(6);
      memory.layOut(4);
      memory.put(memory.take(PageState.FREE_UNBACKED), PageState.KERNEL);
      memory.put(memory.take(PageState.FREE_UNBACKED), PageState.ANON);
      memory.put(memory.take(PageState.FREE_UNBACKED), PageState.CACHE);
      expect(stateCounts(memory)).toEqual([0, 0, 1, 1, 1, 1, 2]);
      expect(stateCounts(memory).reduce((sum, count) => sum + count, 0)).toBe(6);
      expect(memory.selfCheck()).toEqual([]);
    });

    it('returns -1 from an empty stack', () => {
      const memory = freshMemory(2);
      expect(memory.take(PageState.FREE)).toBe(-1);
      expect(memory.take(PageState.FREE_UNBACKED)).toBe(-1);
      expect(memory.take(PageState.BALLOON)).toBe(-1);
    });

    it('lets selfCheck see a page taken from its stack and not yet put', () => {
      const memory = freshMemory(3);
      memory.layOut(3);
      const page = memory.take(PageState.FREE_UNBACKED);
      expect(memory.selfCheck()).toEqual(['the freeUnbacked stack holds 2 pages, 3 are in that state']);
      memory.put(page, PageState.ANON);
      expect(memory.selfCheck()).toEqual([]);
    });
  });

  describe('map and unmap', () => {
    it('keeps the mapped counter in step', () => {
      const memory = freshMemory(4);
      memory.layOut(4);
      memory.map(0, 100);
      memory.map(1, 101);
      expect(memory.mappedPages).toBe(2);
      expect(memory.frameOfPage(0)).toBe(100);
      expect(memory.unmap(0)).toBe(100);
      expect(memory.frameOfPage(0)).toBe(NO_FRAME);
      expect(memory.mappedPages).toBe(1);
      expect(memory.unmap(0)).toBe(NO_FRAME);
      expect(memory.mappedPages).toBe(1);
      expect(memory.selfCheck()).toEqual([]);
    });

    it('unmaps a run of pages up or down as unmap would page by page, in windows of the same bounded size', () => {
      const byRun = freshMemory(3000);
      const byPage = freshMemory(3000);
      for (const memory of [byRun, byPage]) {
        memory.layOut(3000);
        memory.mapPageRun(0, 1, 2990, 500);
        memory.publish();
      }
      // Pages 2990.. map no frame: their entries say NO_FRAME and nothing changes for them.
      const out = new Int32Array(2000).fill(-9);
      byRun.unmapPageRun(1000, 1, 1995, out, 3);
      byRun.unmapPageRun(999, -1, 2, out, 1);
      const expected = [-9];
      for (let page = 999; page >= 998; page--) expected.push(byPage.unmap(page));
      for (let page = 1000; page < 2995; page++) expected.push(byPage.unmap(page));
      expect(Array.from(out.subarray(0, 1998))).toEqual(expected);
      expect(out[1996]).toBe(NO_FRAME);
      expect(byRun.mappedPages).toBe(byPage.mappedPages);
      expect(byRun.shared.counters[Counter.MAP_VERSION]).toBe(byPage.shared.counters[Counter.MAP_VERSION]);
      for (let page = 990; page < 3000; page += 7) expect(byRun.frameOfPage(page)).toBe(byPage.frameOfPage(page));
    });

    it('refuses to map a page that already maps a frame, naming itself', () => {
      const memory = freshMemory(2);
      memory.map(1, 7);
      expect(() => memory.map(1, 8)).toThrow(/^GuestMemory\.map: page 1 already maps frame 7/);
      expect(memory.frameOfPage(1)).toBe(7);
      expect(memory.mappedPages).toBe(1);
    });

    // Regression test for a missing argument check found in review (src/guest/guest-memory.ts, GuestMemory.map).
    it('map refuses a frame that is not a frame number', () => {
      const memory = freshMemory(2);
      expect(() => memory.map(0, NO_FRAME)).toThrow(/^GuestMemory\.map: /);
      expect(memory.mappedPages).toBe(0);
      expect(memory.selfCheck()).toEqual([]);
    });
  });

  describe('selfCheck', () => {
    it('catches a corrupted state counter', () => {
      const memory = freshMemory(4);
      memory.layOut(4);
      memory.shared.counters[PageState.ANON]!++;
      expect(memory.selfCheck()).toEqual(['anon pages: counter says 1, pages say 0']);
    });

    it('catches a corrupted mapped counter', () => {
      const memory = freshMemory(4);
      memory.layOut(4);
      memory.shared.counters[Counter.MAPPED] = 3;
      expect(memory.selfCheck()).toEqual(['mapped pages: counter says 3, pages say 0']);
    });

    it('catches a page whose state changed behind the allocator', () => {
      const memory = freshMemory(4);
      memory.layOut(2);
      memory.shared.pageState[0] = PageState.ANON;
      const problems = memory.selfCheck();
      expect(problems).toContain('freeUnbacked pages: counter says 2, pages say 1');
      expect(problems).toContain('page 0 is on the freeUnbacked stack in state anon');
    });

    it('catches a frame mapped behind the allocator', () => {
      const memory = freshMemory(4);
      memory.layOut(4);
      memory.shared.setFrameAt(2, 9);
      expect(memory.selfCheck()).toEqual(['mapped pages: counter says 0, pages say 1']);
    });
  });

  it('publish bumps the version readers watch', () => {
    const memory = freshMemory(2);
    const before = memory.shared.counters[Counter.VERSION]!;
    memory.publish();
    expect(memory.shared.counters[Counter.VERSION]).toBe(before + 1);
  });

  describe('map windows (the seqlock concurrent readers rely on)', () => {
    const mapVersion = (memory: GuestMemory): number => memory.shared.counters[Counter.MAP_VERSION]!;

    it('keeps the map version odd from the first change until publish, and even otherwise', () => {
      const memory = freshMemory(8);
      memory.layOut(8);
      expect(mapVersion(memory)).toBe(0);
      memory.put(memory.take(PageState.FREE_UNBACKED), PageState.FREE);
      expect(mapVersion(memory) % 2, 'a state change alone opens no window').toBe(0);
      memory.map(0, 11);
      expect(mapVersion(memory)).toBe(1);
      memory.map(1, 12);
      memory.unmap(0);
      expect(mapVersion(memory), 'one window for several changes').toBe(1);
      memory.publish();
      expect(mapVersion(memory)).toBe(2);
      memory.unmap(7); // no frame there: no change, no window
      memory.publish();
      expect(mapVersion(memory)).toBe(2);
    });

    it('closes a long window after a bounded number of changes', () => {
      const memory = freshMemory(4096);
      memory.layOut(4096);
      for (let page = 0; page < 3000; page++) memory.map(page, page);
      // Windows of 1024 changes: two closed and reopened, the third open.
      expect(mapVersion(memory)).toBe(5);
      memory.publish();
      expect(mapVersion(memory)).toBe(6);
    });

    it('tearDown wipes the map under a fresh odd version and leaves it even, even after a window left open', () => {
      const memory = freshMemory(4);
      memory.layOut(4);
      memory.map(0, 5);
      expect(mapVersion(memory)).toBe(1); // the guest dies here, its window open
      memory.shared.tearDown();
      expect(mapVersion(memory)).toBe(4);
      expect(memory.shared.frameAt(0)).toBe(NO_FRAME);
      expect(memory.shared.counters[Counter.MAPPED]).toBe(0);
    });
  });
});
