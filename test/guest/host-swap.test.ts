/**
 * The guest's side of host paging, driven directly (the lists of paged-out
 * pages per bucket are in host-swap-lists.test.ts): the page-out itself (random resident workload pages,
 * never kernel or free ones), touches drawn per bucket (hot pages fault,
 * never-touched ones do not), swap-in grants (full, short, and for pages
 * dropped meanwhile), and pages that leave host swap by shrinking, by
 * reclaim (double paging) and into the balloon.
 */
import { describe, expect, it } from 'vitest';
import { BUCKETS, COLD_BUCKET } from '../../src/guest/access-pattern.js';
import { Component } from '../../src/guest/component.js';
import { PAGE_MASK } from '../../src/guest/component-layout.js';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { HostSwapUnit } from '../../src/guest/host-swap.js';
import { TaskClock } from '../../src/guest/page-allocator.js';
import { PageState } from '../../src/guest/page-state.js';
import { Reclaimer } from '../../src/guest/reclaim.js';
import { Counter, GuestSharedViews, HOST_SWAPPED, SWAP_IN_PENDING } from '../../src/guest/shared-memory.js';
import { SizeCurveSampler } from '../../src/guest/size-curve.js';
import { SwapDevice, VmEvents } from '../../src/guest/vm-events.js';
import type { GuestToHost } from '../../src/messages/protocol.js';

/** A grant's runs: `count` frames from `first` (none if `count` is 0). */
function runOf(first: number, count: number): Int32Array {
  return count > 0 ? Int32Array.of(first, count) : new Int32Array(0);
}
import { Random } from '../../src/util/random.js';

/** A guest of 4096 pages, all backed; a component of 2048 pages (512 hot, the rest never touched); host paging units. */
function world() {
  const views = GuestSharedViews.allocate(4096);
  const memory = new GuestMemory(views);
  memory.layOut(4096);
  for (let page = memory.take(PageState.FREE_UNBACKED), frame = 10_000; page >= 0; page = memory.take(PageState.FREE_UNBACKED)) {
    memory.map(page, frame++);
    memory.put(page, PageState.FREE);
  }
  const spec = { kind: 'anon' as const, name: 'anon-0', size: { kind: 'constant' as const, bytes: 0 }, hotFraction: 0.25 };
  const component = new Component(spec, new SizeCurveSampler(spec.size, new Random(1)), new Random(2), 1000, memory.mapWords);
  const pages = new Int32Array(2048);
  memory.takeMany(PageState.FREE, pages, 0, 2048);
  memory.putMany(pages, 0, 2048, PageState.FREE, PageState.ANON);
  component.grow(pages, 2048, 0);
  const events = new VmEvents();
  const unit = new HostSwapUnit(memory, [component], events, new Random(9), 1);
  const check = (): void => {
    expect(component.selfCheck((page) => memory.stateOf(page), new Int32Array(4096), 1)).toEqual([]);
    expect(memory.selfCheck()).toEqual([]);
    expect(unit.selfCheck()).toEqual([]);
  };
  return { views, memory, component, events, unit, check };
}

function pageOut(unit: HostSwapUnit, pages: number): Int32Array {
  const outbox: GuestToHost[] = [];
  unit.onPageOut({ type: 'pageOut', id: 1, pages }, outbox);
  const reply = outbox[0]!;
  if (reply.type !== 'pagedOut') throw new Error('no pagedOut');
  return reply.frames;
}

describe('HostSwapUnit', () => {
  it('pages out random resident workload pages, never kernel or free ones, and hands their frames over', () => {
    const { memory, component, views, unit, check } = world();
    expect(pageOut(unit, 0).length).toBe(0);
    const taken = pageOut(unit, 600);
    expect(taken.length).toBe(600);
    expect(new Set(taken).size).toBe(600);
    expect(memory.hostSwappedPages).toBe(600);
    expect(views.counters[Counter.HOST_SWAP_SLOTS]).toBe(600);
    expect(memory.mappedPages).toBe(4096 - 600);
    let marked = 0;
    for (let page = 0; page < 4096; page++) {
      if (views.frameAt(page) !== HOST_SWAPPED) continue;
      marked++;
      expect(memory.stateOf(page)).toBe(PageState.ANON);
    }
    expect(marked).toBe(600);
    // About a quarter of them hot (uniform over the component), none beyond what it holds.
    const hot = Array.from({ length: BUCKETS - 1 }, (_, bucket) => component.hostSwap.counts[bucket]!).reduce((a, b) => a + b, 0);
    expect(hot).toBeGreaterThan(100);
    expect(hot).toBeLessThan(200);
    expect(component.hostSwap.counts[COLD_BUCKET]).toBe(600 - hot);
    check();
    // It cannot take more than the component holds.
    expect(pageOut(unit, 5000).length).toBeLessThanOrEqual(2048 - 600);
    check();
  });

  it('faults hot paged-out pages when they are touched, never untouched cold ones; a swap-in brings them back', () => {
    const { memory, component, events, unit, check } = world();
    pageOut(unit, 1000);
    const hotOut = 1000 - component.hostSwap.counts[COLD_BUCKET]!;
    const task = new TaskClock();
    task.reset(1000);
    unit.touch(component, 0, task);
    // Every hot page is touched at least once a second with probability 1 - exp(-1) or more; most fault.
    expect(events.hostSwapFaults).toBeGreaterThan(hotOut / 2);
    expect(events.hostSwapFaults).toBeLessThanOrEqual(hotOut);
    expect(task.stallMs).toBe(events.hostSwapFaults);
    expect(unit.pendingSwapIns).toBe(events.hostSwapFaults);
    expect(component.hostSwap.counts[COLD_BUCKET]).toBe(1000 - hotOut);
    const outbox: GuestToHost[] = [];
    unit.askSwapIn(outbox, () => 7);
    expect(outbox).toEqual([{ type: 'request', id: 7, purpose: 'swapIn', pages: events.hostSwapFaults, withFrames: true }]);
    check();
    // The host grants all but 10: those are paged out again (and listed again for the next touch).
    const asked = events.hostSwapFaults;
    const before = memory.hostSwappedPages;
    unit.onSwapInGrant({ type: 'grant', id: 7, purpose: 'swapIn', pagesAsked: asked, runs: runOf(50_000, asked - 10), unbackedPages: 0 }, []);
    expect(memory.hostSwappedPages).toBe(before - (asked - 10));
    expect(component.hostSwap.total).toBe(1000 - asked + 10);
    check();
  });

  it('keeps one swap-in in flight: pages touched before its answer wait for the next request (free-running)', () => {
    const { component, unit, check } = world();
    pageOut(unit, 1500);
    const task = new TaskClock();
    task.reset(300);
    unit.touch(component, 0, task);
    const first = unit.pendingSwapIns;
    expect(first).toBeGreaterThan(0);
    const outbox: GuestToHost[] = [];
    unit.askSwapIn(outbox, () => 1);
    expect(outbox).toEqual([{ type: 'request', id: 1, purpose: 'swapIn', pages: first, withFrames: true }]);
    // The guest steps again before the grant comes: more faults, no second request.
    task.reset(300);
    unit.touch(component, 0, task);
    const more = unit.pendingSwapIns - first;
    expect(more).toBeGreaterThan(0);
    unit.askSwapIn(outbox, () => 2);
    expect(outbox).toHaveLength(1);
    check();
    // The grant answers the first request only; the rest are asked for next.
    unit.onSwapInGrant({ type: 'grant', id: 1, purpose: 'swapIn', pagesAsked: first, runs: runOf(70_000, first), unbackedPages: 0 }, []);
    expect(unit.pendingSwapIns).toBe(more);
    unit.askSwapIn(outbox, () => 3);
    expect(outbox[1]).toEqual({ type: 'request', id: 3, purpose: 'swapIn', pages: more, withFrames: true });
    expect(() => unit.onSwapInGrant({ type: 'grant', id: 3, purpose: 'swapIn', pagesAsked: more + 1, runs: new Int32Array(0), unbackedPages: 0 }, [])).toThrow(/swap-in grant for/);
    check();
  });

  it('a page dropped while its swap-in is in flight gives its frame back; a paged-out page freed or reclaimed frees its slot', () => {
    const { memory, component, events, unit, views, check } = world();
    const paged = pageOut(unit, 2048).length; // nearly everything (random picks that hit paged-out pages are tries lost)
    expect(paged).toBeGreaterThan(1800);
    const task = new TaskClock();
    task.reset(1000);
    unit.touch(component, 0, task);
    const asked = unit.pendingSwapIns;
    expect(asked).toBeGreaterThan(0);
    unit.askSwapIn([], () => 1);
    // The component shrinks to nothing: pending pages are dropped, paged-out ones discarded.
    component.shrinkTo(0, memory);
    expect(memory.hostSwapDiscardedPages).toBe(paged - asked);
    expect(memory.count(PageState.FREE_UNBACKED)).toBe(paged);
    // Until the answer, the dropped pages the host may have granted frames for are not the guest's to use (free-running).
    expect(memory.swapInDroppedPages).toBe(asked);
    const outbox: GuestToHost[] = [];
    unit.onSwapInGrant({ type: 'grant', id: 1, purpose: 'swapIn', pagesAsked: asked, runs: runOf(60_000, asked), unbackedPages: 0 }, outbox);
    expect(memory.swapInDroppedPages).toBe(0);
    unit.endTick(outbox);
    expect(outbox).toEqual([{ type: 'hostSwapRelease', discardedPages: paged - asked, readPages: 0, frames: Int32Array.from({ length: asked }, (_, i) => 60_000 + i) }]);
    expect(views.counters[Counter.HOST_SWAP_SLOTS]).toBe(0);
    expect(memory.hostSwappedPages).toBe(0);
    expect(events.doublePagingPages).toBe(0);
    check();
  });

  it('double paging: reclaim that swaps out a paged-out page reads it back from host swap first', () => {
    const { memory, component, events, unit, check } = world();
    pageOut(unit, 1500);
    const swap = new SwapDevice(4096);
    const reclaimer = new Reclaimer([component], memory, swap, events, new Random(5));
    reclaimer.hostSwapFaultMs = 1;
    reclaimer.beginTick(60_000);
    const got = reclaimer.reclaim(1000, 'direct');
    expect(got).toBeGreaterThan(500);
    expect(events.doublePagingPages).toBeGreaterThan(0);
    expect(events.hostSwapFaults).toBe(events.doublePagingPages);
    expect(memory.hostSwapReadPages).toBe(events.doublePagingPages);
    // Each double-paged page ends free and unbacked; the others free with their frames.
    expect(memory.count(PageState.FREE_UNBACKED)).toBe(events.doublePagingPages);
    expect(reclaimer.lastCostMs).toBeGreaterThanOrEqual(events.doublePagingPages);
    check();
    // A pending page is not double-counted, and the marks of what is left still add up.
    let pending = 0;
    for (let page = 0; page < 4096; page++) if (memory.frameOfPage(page) === SWAP_IN_PENDING) pending++;
    expect(pending).toBe(0);
    expect(component.hostSwap.total).toBe(memory.hostSwappedPages);
    for (let index = 0; index < component.size; index++) {
      const entry = component.logical[index]!;
      if (entry >= 0) expect(memory.frameOfPage(entry & PAGE_MASK)).not.toBe(SWAP_IN_PENDING);
    }
  });
});
