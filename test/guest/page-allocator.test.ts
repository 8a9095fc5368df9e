/**
 * The guest's allocator for ordinary allocations, on a booted guest with no
 * workload (nothing to reclaim): free backed pages above the min watermark,
 * unbacked pages claimed and asked for, earmarks of granted pages, the OOM
 * reserve, and failure below the watermark after direct reclaim.
 */
import { describe, expect, it } from 'vitest';
import { DEFERRED, FAILED, TaskClock } from '../../src/guest/page-allocator.js';
import { PageRuns } from '../../src/guest/page-runs.js';
import { PageState } from '../../src/guest/page-state.js';
import { bootedParts, fillTo } from './driver-world.js';

/** A 64 MiB guest (16384 pages, 1024 kernel) with `backed` boot pages backed. */
function guest(backed?: number) {
  const parts = bootedParts({ profile: 'virtio', memoryBytes: 64 * 2 ** 20, ...(backed !== undefined ? { backedPages: backed } : {}) });
  return { parts, allocator: parts.allocator, memory: parts.memory, min: parts.allocator.watermarks.minPages };
}

describe('PageAllocator', () => {
  it('counts free backed and unclaimed unbacked pages as available', () => {
    const { allocator, memory } = guest(8192);
    // 8192 backed, 1024 of them the kernel's; 8192 unbacked.
    expect(memory.count(PageState.FREE)).toBe(7168);
    expect(allocator.unbackedSparePages).toBe(8192);
    expect(allocator.availablePages).toBe(7168 + 8192);
  });

  it('hands out a free backed page while above the min watermark', () => {
    const { allocator, memory } = guest();
    const page = allocator.allocate(null);
    expect(page).toBeGreaterThanOrEqual(0);
    // Off the free list; the caller puts it in its state.
    expect(memory.stateOf(page)).toBe(PageState.FREE);
    memory.put(page, PageState.ANON);
    expect(allocator.availablePages).toBe(16384 - 1024 - 1);
    expect(allocator.allocate(null)).not.toBe(page);
  });

  it('claims an unbacked page when no backed one is free (DEFERRED), and asks for all claims of the tick at once', () => {
    const { allocator } = guest(1024);
    expect(allocator.allocate(null)).toBe(DEFERRED);
    expect(allocator.allocate(null)).toBe(DEFERRED);
    expect(allocator.claimUnbacked(10)).toBe(10);
    expect(allocator.pendingPopulatePages).toBe(12);
    expect(allocator.unbackedSparePages).toBe(16384 - 1024 - 12);
    expect(allocator.takePopulateAsk()).toBe(12);
    expect(allocator.takePopulateAsk()).toBe(0);
  });

  it('at the min watermark with nothing to reclaim: direct reclaim (an allocation stall) and FAILED', () => {
    const { parts, allocator, min } = guest();
    fillTo(parts, min);
    const task = new TaskClock();
    task.reset(100);
    expect(allocator.allocate(task)).toBe(FAILED);
    expect(parts.events.allocStalls).toBe(1);
    expect(allocator.directReclaim(null)).toBe(false);
    expect(parts.events.allocStalls).toBe(2);
  });

  it('lets an OOM reserve allocate below the min watermark, one page per reserved page, until the tick ends', () => {
    const { parts, allocator, min } = guest();
    fillTo(parts, min);
    allocator.oomReservePages = 2;
    expect(allocator.allocate(null)).toBeGreaterThanOrEqual(0);
    expect(allocator.allocate(null)).toBeGreaterThanOrEqual(0);
    expect(allocator.allocate(null)).toBe(FAILED);
    allocator.oomReservePages = 5;
    allocator.endTick();
    expect(allocator.oomReservePages).toBe(0);
  });

  it('keeps granted pages for the workload (earmarks) even below the watermark, until its step ends', () => {
    const { parts, allocator, min } = guest();
    fillTo(parts, min);
    // 3 claimed pages were granted: the guest backed them, and they are earmarked.
    allocator.pendingPopulatePages = 3;
    allocator.onPopulateGrant(3, 3);
    expect(allocator.pendingPopulatePages).toBe(0);
    expect(allocator.availablePages).toBe(min - 3);
    expect(allocator.allocate(null)).toBeGreaterThanOrEqual(0);
    const runs = new PageRuns(10);
    expect(allocator.takeFree(runs, 10, PageState.ANON)).toBe(2);
    allocator.pendingPopulatePages = 1;
    allocator.onPopulateGrant(1, 1);
    allocator.endWorkloadStep();
    expect(allocator.takeFree(runs, 10, PageState.ANON)).toBe(0);
  });

  it('takes many free pages at once down to the min watermark, and none for a count of 0', () => {
    const { parts, allocator, min } = guest();
    fillTo(parts, min + 5);
    const runs = new PageRuns(20);
    const anonBefore = parts.memory.count(PageState.ANON);
    expect(allocator.takeFree(runs, 0, PageState.ANON)).toBe(0);
    expect(allocator.takeFree(runs, 20, PageState.ANON)).toBe(5);
    // The pages taken are in the runs, in the state asked for, and counted there.
    const taken: number[] = [];
    for (let r = 0; r < runs.runs; r++) for (let k = 0; k < runs.count[r]!; k++) taken.push(runs.first[r]! + k * runs.step[r]!);
    expect(runs.pages).toBe(5);
    expect(new Set(taken).size).toBe(5);
    expect(taken.every((page) => page > 0 && parts.memory.stateOf(page) === PageState.ANON)).toBe(true);
    expect(parts.memory.count(PageState.ANON)).toBe(anonBefore + 5);
  });

  it('claims unbacked pages only while one page stays above the min watermark', () => {
    const { parts, allocator, min } = guest(16384);
    fillTo(parts, 0);
    // No free backed page, no unbacked one either: nothing to claim.
    expect(allocator.claimUnbacked(5)).toBe(0);
    const { allocator: a2, min: min2 } = guest(1024);
    // 15360 unbacked spare; room = available - min - 1.
    expect(a2.claimUnbacked(1_000_000)).toBe(15_360 - min2 - 1);
    expect(min).toBe(min2);
  });

  it('reserves ahead only what free backed memory does not cover', () => {
    const { allocator } = guest(2048);
    // 1024 backed free pages.
    allocator.reserveAhead(1000);
    expect(allocator.pendingPopulatePages).toBe(0);
    allocator.reserveAhead(1500);
    expect(allocator.pendingPopulatePages).toBe(476);
  });
});

describe('TaskClock', () => {
  it('spends time working without stalling, and stalls on memory', () => {
    const task = new TaskClock();
    task.reset(100);
    task.spend(30);
    task.stall(20);
    expect([task.remainingMs, task.stallMs]).toEqual([50, 20]);
    task.reset(10);
    expect([task.remainingMs, task.stallMs, task.active]).toEqual([10, 0, false]);
  });
});
