/** The full check of a guest's memory bookkeeping, on hand-made shared views and stacks: each kind of problem named. */
import { describe, expect, it } from 'vitest';
import { checkGuestMemory } from '../../src/guest/guest-memory-check.js';
import { PageStack } from '../../src/guest/page-stack.js';
import { PageState } from '../../src/guest/page-state.js';
import { Counter, GuestSharedViews, HOST_SWAPPED } from '../../src/guest/shared-memory.js';

/** 8 pages: pages 0..2 free (on the free stack), the rest unpopulated; counters right. */
function world() {
  const views = GuestSharedViews.allocate(8);
  const free = new PageStack();
  for (const page of [0, 1, 2]) {
    views.pageState[page] = PageState.FREE;
    views.setFrameAt(page, 100 + page);
    free.push(page);
  }
  views.counters[PageState.UNPOPULATED] = 5;
  views.counters[PageState.FREE] = 3;
  views.counters[Counter.MAPPED] = 3;
  const check = () => checkGuestMemory(views, [PageState.FREE], () => free);
  return { views, free, check };
}

describe('checkGuestMemory', () => {
  it('finds nothing wrong with consistent views and stacks', () => {
    expect(world().check()).toEqual([]);
  });

  it('names state counters and the mapped counter that disagree with the pages', () => {
    const { views, check } = world();
    views.pageState[5] = PageState.KERNEL;
    views.setFrameAt(5, 200);
    expect(check()).toEqual(['unpopulated pages: counter says 5, pages say 4', 'kernel pages: counter says 0, pages say 1', 'mapped pages: counter says 3, pages say 4']);
  });

  it('names a page paged out by the host in a state that cannot be, and paged-out counts that disagree', () => {
    const { views, check } = world();
    views.setFrameAt(4, HOST_SWAPPED);
    expect(check()).toEqual(['page 4 is paged out by the host in state unpopulated', 'paged-out pages: counter says 0, pages say 1', '1 paged-out pages but only 0 host swap slots']);
  });

  it('names a page with an invalid frame mark', () => {
    const { views, check } = world();
    views.setFrameAt(6, -9);
    expect(check()).toEqual(['page 6 has frameOf -9']);
  });

  it('names a stack that holds no page, a page twice, a page in another state, or too few pages', () => {
    const bad = (change: (w: ReturnType<typeof world>) => void) => {
      const w = world();
      change(w);
      return w.check();
    };
    expect(bad((w) => w.free.push(8))).toEqual(['the free stack holds 8, which is no page']);
    expect(bad((w) => w.free.push(1))).toEqual(['page 1 is on a stack twice']);
    expect(bad((w) => w.free.push(6))).toEqual(['page 6 is on the free stack in state unpopulated']);
    expect(bad((w) => w.free.pop())).toEqual(['the free stack holds 2 pages, 3 are in that state']);
  });
});
