/**
 * Where the balloon's pages come from: free backed pages (their frames into
 * the batch), then unbacked ones nobody claimed, down to the watermark each
 * allocation mode allows; NORETRY's one pass of direct reclaim.
 */
import { describe, expect, it } from 'vitest';
import { newBalloonDriverCounters } from '../../src/guest/balloon-counters.js';
import { InflatePages } from '../../src/guest/inflate-pages.js';
import { PageState } from '../../src/guest/page-state.js';
import { NONE, ReleaseBatch, UNBACKED } from '../../src/guest/release-batch.js';
import { bootedParts, fillTo } from './driver-world.js';

/** A 64 MiB guest (16384 pages, 1024 kernel) with `backed` pages backed, and an empty batch. */
function setUp(backed?: number) {
  const parts = bootedParts({ profile: 'virtio', memoryBytes: 64 * 2 ** 20, ...(backed !== undefined ? { backedPages: backed } : {}) });
  const batch = new ReleaseBatch(256);
  batch.newStep();
  batch.begin(false);
  const counters = newBalloonDriverCounters();
  const pages = new InflatePages(parts, batch, counters);
  return { parts, batch, counters, pages, w: parts.allocator.watermarks };
}

describe('InflatePages.takeFreePages', () => {
  it('takes backed pages first, their frames into the batch and the guest no longer mapping them', () => {
    const { parts, batch, pages } = setUp();
    expect(pages.takeFreePages(100)).toBe(100);
    expect([batch.backed, batch.unbacked]).toEqual([100, 0]);
    expect(parts.memory.count(PageState.BALLOON)).toBe(100);
    expect(parts.memory.mappedPages).toBe(16_384 - 100);
    // Frame = page at boot: the frames are the pages now in the balloon.
    for (const frame of batch.arena.subarray(batch.start, batch.start + 100)) expect(parts.memory.stateOf(frame)).toBe(PageState.BALLOON);
  });

  it('then unbacked pages nobody claimed, up to what is spare', () => {
    const { parts, batch, pages } = setUp(2048);
    // 1024 backed free pages, 14336 unbacked; 14000 of those claimed by allocations.
    parts.allocator.pendingPopulatePages = 14_000;
    expect(pages.takeFreePages(2000)).toBe(1024 + 336);
    expect([batch.backed, batch.unbacked]).toEqual([1024, 336]);
    expect(parts.memory.count(PageState.FREE_UNBACKED)).toBe(14_000);
  });
});

describe('InflatePages.takeSmallPage', () => {
  it('free-only and reclaim: a free page while free memory is above the high watermark, else NONE', () => {
    for (const mode of ['free-only', 'reclaim'] as const) {
      const { parts, pages, w } = setUp();
      fillTo(parts, w.highPages + 1);
      const frame = pages.takeSmallPage(mode);
      expect(frame).toBeGreaterThanOrEqual(0);
      expect(parts.memory.stateOf(frame)).toBe(PageState.BALLOON);
      expect(pages.takeSmallPage(mode)).toBe(NONE);
      expect(parts.events.allocStalls).toBe(0);
    }
  });

  it('nowait (VMware before a failure): down to the min watermark, no reclaim', () => {
    const { parts, pages, w } = setUp();
    fillTo(parts, w.minPages + 1);
    expect(pages.takeSmallPage('nowait')).toBeGreaterThanOrEqual(0);
    expect(pages.takeSmallPage('nowait')).toBe(NONE);
    expect(parts.events.allocStalls).toBe(0);
  });

  it('noretry: at the min watermark, one pass of direct reclaim (an allocation stall), then NONE if it freed nothing', () => {
    const { parts, pages, w } = setUp();
    fillTo(parts, w.minPages);
    expect(pages.takeSmallPage('noretry')).toBe(NONE);
    expect(parts.events.allocStalls).toBe(1);
    expect(pages.lastReclaimMs).toBe(0);
  });

  it('an unbacked page when no backed one is free: UNBACKED', () => {
    const { parts, pages } = setUp(1024);
    expect(pages.takeSmallPage('noretry')).toBe(UNBACKED);
    expect(parts.memory.count(PageState.BALLOON)).toBe(1);
  });
});

describe('InflatePages.intoBatch', () => {
  it('puts a page reclaim took into the balloon and its frame into the batch, counted as cold-reclaimed', () => {
    const { parts, batch, counters, pages } = setUp();
    const page = parts.memory.take(PageState.FREE);
    parts.memory.put(page, PageState.CACHE);
    pages.intoBatch(page);
    expect(parts.memory.stateOf(page)).toBe(PageState.BALLOON);
    expect(Array.from(batch.arena.subarray(batch.start, batch.start + batch.backed))).toEqual([page]);
    expect(counters.coldReclaimedPages).toBe(1);
  });
});
