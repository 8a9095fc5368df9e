/**
 * A workload component's memory (logical pages, out-lists per touch-rate
 * bucket, the CLOCK) and the reclaim loop over it, driven directly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLD_BUCKET } from '../../src/guest/access-pattern.js';
import { shrinkActive, shrinkInactive } from '../../src/guest/lru.js';
import { Component } from '../../src/guest/component.js';
import { ACTIVE_BIT, PGREF_BIT, REF_BIT, type ScanState } from '../../src/guest/component-layout.js';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { PageRuns } from '../../src/guest/page-runs.js';
import { PageState } from '../../src/guest/page-state.js';
import { Reclaimer } from '../../src/guest/reclaim.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import { SizeCurveSampler } from '../../src/guest/size-curve.js';
import { SwapDevice, VmEvents } from '../../src/guest/vm-events.js';
import type { WorkloadComponent } from '../../src/model/scenario.js';
import { Random } from '../../src/util/random.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { faultSome } from './component-world.js';

/** A guest memory of `pages` pages, all free and backed (frame = page + 1000). */
function backedMemory(pages: number): GuestMemory {
  const memory = new GuestMemory(GuestSharedViews.allocate(pages));
  memory.layOut(pages);
  for (let page = memory.take(PageState.FREE_UNBACKED), frame = 1000; page >= 0; page = memory.take(PageState.FREE_UNBACKED)) {
    memory.map(page, frame++);
    memory.put(page, PageState.FREE);
  }
  return memory;
}

function spec(overrides: Partial<WorkloadComponent> = {}): WorkloadComponent {
  return { kind: 'anon', name: 'anon-0', size: { kind: 'constant', bytes: 0 }, hotFraction: 0.3, ...overrides };
}

function newComponent(overrides: Partial<WorkloadComponent> = {}, seed = 1): Component {
  const s = spec(overrides);
  return new Component(s, new SizeCurveSampler(s.size, new Random(seed)), new Random(seed + 1), 1000);
}

/** Takes `count` free pages into the component's state and appends them. */
function growBy(memory: GuestMemory, component: Component, count: number, nowMs = 0): void {
  const pages = new Int32Array(count);
  const got = memory.takeMany(PageState.FREE, pages, 0, count);
  expect(got).toBe(count);
  memory.putMany(pages, 0, count, PageState.FREE, component.state);
  component.grow(pages, count, nowMs);
}

function check(memory: GuestMemory, component: Component): void {
  const problems = component.selfCheck((page) => memory.stateOf(page), new Int32Array(memory.pages), 1);
  expect(problems).toEqual([]);
  expect(memory.selfCheck()).toEqual([]);
  expect(memory.count(component.state)).toBe(component.resident);
}

function scanState(clockMs: number, seed = 7): ScanState {
  return { clockMs, scanCostMs: 0.0002, random: new Random(seed), scanned: 0 };
}

describe('Component', () => {
  it('grows with resident pages and shrinks from the end, freeing them', () => {
    const memory = backedMemory(64);
    const component = newComponent();
    growBy(memory, component, 40);
    expect(component.size).toBe(40);
    expect(component.hot).toBe(12);
    check(memory, component);
    expect(component.shrinkTo(10, memory)).toBe(0);
    expect(component.size).toBe(10);
    expect(memory.count(PageState.FREE)).toBe(54);
    check(memory, component);
  });

  it('grows by runs of pages exactly as by the same pages one by one', () => {
    const runs = new PageRuns(8);
    runs.add(300, 1, 200);
    runs.add(299, -1, 100);
    runs.add(7, 1, 1);
    runs.add(600, -1, 60);
    const pages: number[] = [];
    for (let r = 0; r < runs.runs; r++) for (let k = 0; k < runs.count[r]!; k++) pages.push(runs.first[r]! + k * runs.step[r]!);
    const byPages = newComponent();
    const byRuns = newComponent();
    // A first growth that ends inside a segment: the next one starts a fresh segment only at the segment's edge.
    byPages.grow(Int32Array.of(1, 2, 3), 3, 5);
    byRuns.grow(Int32Array.of(1, 2, 3), 3, 5);
    byPages.grow(Int32Array.from(pages), pages.length, 2000);
    byRuns.growRuns(runs, 2000);
    expect(byRuns.size).toBe(3 + 361);
    for (const key of ['size', 'resident', 'hot'] as const) expect(byRuns[key]).toBe(byPages[key]);
    expect(Array.from(byRuns.logical.subarray(0, byRuns.size))).toEqual(Array.from(byPages.logical.subarray(0, byPages.size)));
    expect(Array.from(byRuns.segmentPassMs)).toEqual(Array.from(byPages.segmentPassMs));
    expect(Array.from(byRuns.segmentPassMs.subarray(0, 2))).toEqual([5, 2000]);
    expect(Array.from(byRuns.groupResident)).toEqual(Array.from(byPages.groupResident));
  });

  it('shrinks a run of pages at a time, freeing them in the order a page-by-page shrink would and counting the active ones it drops', () => {
    const memory = backedMemory(200);
    // Runs up and down, single pages and pages next to each other out of order, as free lists leave them.
    const chosen = [
      ...Array.from({ length: 20 }, (_, k) => 10 + k),
      ...Array.from({ length: 20 }, (_, k) => 60 - k),
      100, 7, 150, 151, 3, 152, 149,
      ...Array.from({ length: 20 }, (_, k) => 120 + k),
    ];
    const all = new Int32Array(200);
    const free = memory.takeMany(PageState.FREE, all, 0, 200);
    const rest = Int32Array.from(Array.from(all.subarray(0, free)).filter((page) => !chosen.includes(page)));
    memory.putMany(rest, 0, rest.length, PageState.FREE, PageState.FREE);
    const pages = Int32Array.from(chosen);
    memory.putMany(pages, 0, pages.length, PageState.FREE, PageState.ANON);
    const component = newComponent();
    component.grow(pages, pages.length, 0);
    // Some dropped pages are on the active list.
    const active = [15, 20, 21, 41, 45, 60, 66];
    for (const index of active) component.logical[index]! |= ACTIVE_BIT;
    component.activePages = active.length;
    check(memory, component);
    const keep = 12;
    expect(component.shrinkTo(keep, memory)).toBe(0);
    expect(component.activePages).toBe(active.filter((index) => index < keep).length);
    check(memory, component);
    // Freed from the end down: the free list gives them back from the lowest index up.
    const freed = Array.from({ length: chosen.length - keep }, () => memory.take(PageState.FREE));
    expect(freed).toEqual(chosen.slice(keep));
  });

  it('evicts with the CLOCK, faults back in by bucket, and keeps the out-lists exact across size changes', () => {
    const memory = backedMemory(256);
    const component = newComponent({ hotFraction: 0.5 });
    growBy(memory, component, 200);
    // New pages are young (the fault that made them): a first pass only marks them referenced; a second, at the same time, finds none touched since and evicts the first 50 it passes.
    const evicted: number[] = [];
    expect(component.scan(200, 50, scanState(0), (page) => evicted.push(page), false, 0)).toBe(0);
    expect(component.logical[0]! & PGREF_BIT).toBe(PGREF_BIT);
    const got = component.scan(200, 50, scanState(0), (page) => evicted.push(page), false, 0);
    expect(got).toBe(50);
    for (const page of evicted) memory.put(page, PageState.FREE);
    expect(component.outPages).toBe(50);
    check(memory, component);
    // Fault one back from a bucket that has out pages.
    const bucket = component.outCounts.findIndex((count) => count > 0);
    const page = memory.take(PageState.FREE);
    memory.put(page, component.state);
    const index = component.faultIn(bucket, 0, page);
    expect(component.logical[index]).toBe(page | REF_BIT | PGREF_BIT);
    check(memory, component);
    // Growing and shrinking moves the hot/cold boundaries: out pages change buckets, the lists stay exact.
    growBy(memory, component, 40);
    check(memory, component);
    const outBefore = component.outPages;
    const dropped = component.shrinkTo(120, memory);
    expect(component.outPages).toBe(outBefore - dropped);
    check(memory, component);
    component.clear(memory);
    expect(component.size).toBe(0);
    expect(memory.count(component.state)).toBe(0);
    check(memory, component);
  });

  it('keeps its active count as pages are activated, deactivated and evicted by the cold scan', () => {
    const memory = backedMemory(256);
    const component = newComponent({ hotFraction: 1 });
    growBy(memory, component, 128);
    const free = (page: number): void => memory.put(page, PageState.FREE);
    const state = scanState(0);
    // Young from their creation: kept, PG_referenced set; touched again a minute later: activated.
    shrinkInactive(component, 128, 128, state, free);
    state.clockMs = 60_000;
    shrinkInactive(component, 128, 128, state, free);
    const activated = component.activePages;
    expect(activated).toBeGreaterThan(32);
    check(memory, component);
    shrinkActive(component, 16, state);
    expect(component.activePages).toBe(activated - 16);
    check(memory, component);
    // A cold scan with a window of 1 ms takes pages without a young bit, active ones too.
    expect(component.scan(128, 128, state, free, true, 1)).toBeGreaterThan(16);
    expect(component.activePages).toBeLessThan(activated - 16);
    check(memory, component);
  });

  const params = propertyParams<[Array<[number, number]>]>('random grow, shrink, scan (all three hands) and fault keep a component exact', { numRuns: 150 });
  it(`${params.name} ${describeSeed(params.seed)}`, () => {
    assertProperty(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat({ max: 300 })), { maxLength: 60 }), (ops) => {
        const memory = backedMemory(512);
        const component = newComponent({ hotFraction: 0.4, coldTouchIntervalMs: 30_000 });
        let clockMs = 0;
        for (const [op, n] of ops) {
          clockMs += 100;
          if (op === 0) growBy(memory, component, Math.min(n, memory.count(PageState.FREE)), clockMs);
          if (op === 1) component.shrinkTo(Math.min(component.size, n), memory);
          if (op === 2) {
            const state = scanState(clockMs, n);
            component.scan(n + 1, n + 1, state, (page) => memory.put(page, PageState.FREE), n % 2 === 0, 10_000);
            clockMs = state.clockMs;
          }
          if (op === 3) faultSome(memory, component, n);
          if (op === 4 && n % 10 === 0) component.clear(memory);
          if (op === 5) {
            // A cold scan with a window of 1 ms, which evicts pages without a young bit, active ones too; then the active hand.
            const state = scanState(clockMs, n);
            component.scan(n + 1, n + 1, state, (page) => memory.put(page, PageState.FREE), true, 1);
            shrinkActive(component, n + 1, state);
            clockMs = state.clockMs;
          }
          check(memory, component);
          expect(component.resident + component.outPages).toBe(component.size);
        }
      }),
      params,
    );
  });
});

describe('reclaim', () => {
  /** A guest memory with one component of 800 pages, 25 % hot, allocated 60 s ago, and swap for everything. */
  function setUp(): { memory: GuestMemory; component: Component; reclaimer: Reclaimer; swap: SwapDevice; events: VmEvents } {
    const memory = backedMemory(1024);
    const component = newComponent({ hotFraction: 0.25 });
    growBy(memory, component, 800, 0);
    const swap = new SwapDevice(1024);
    const events = new VmEvents();
    const reclaimer = new Reclaimer([component], memory, swap, events, new Random(3));
    reclaimer.beginTick(60_000);
    return { memory, component, reclaimer, swap, events };
  }

  function hotResident(component: Component): number {
    return component.hot - component.hotOutPages;
  }

  it('a first pass over new pages (young from their creation) takes none; one a second later takes the untouched cold pages and keeps most hot ones, activating them', () => {
    const { memory, component, reclaimer, swap, events } = setUp();
    const first = shrinkInactive(component, component.resident, 400, reclaimer.scan, () => {});
    expect(first).toBe(0);
    reclaimer.beginTick(61_000);
    const got = reclaimer.reclaim(400, 'direct');
    expect(got).toBeGreaterThanOrEqual(400);
    // Mostly cold pages went; hot pages touched in the second between the passes stayed and were activated (the coolest, touched once a second, look untouched 37 % of the time).
    expect(component.outCounts[COLD_BUCKET]).toBeGreaterThanOrEqual(300);
    expect(hotResident(component)).toBeGreaterThan(0.6 * component.hot);
    expect(component.activePages).toBeGreaterThan(0.5 * component.hot);
    expect(swap.usedPages).toBe(got);
    expect(events.swapOutPages).toBe(got);
    expect(memory.count(PageState.FREE)).toBe(224 + got);
    check(memory, component);
  });

  it('when the inactive list is low, shrink_active_list deactivates active pages: reclaim that scans faster than the hot pages are touched takes hot pages too', () => {
    const { component, reclaimer } = setUp();
    shrinkInactive(component, component.resident, 800, reclaimer.scan, () => {});
    reclaimer.beginTick(61_000);
    reclaimer.reclaim(600, 'direct');
    // (Nearly) nothing cold is left; the next demand, in the same instant, is met by deactivating hot pages and taking them.
    expect(component.outCounts[COLD_BUCKET]).toBeGreaterThan(500);
    const activeBefore = component.activePages;
    expect(reclaimer.reclaim(100, 'direct')).toBeGreaterThanOrEqual(100);
    expect(component.activePages).toBeLessThan(activeBefore);
    expect(component.hot - hotResident(component)).toBeGreaterThanOrEqual(100);
  });

  it('drops no anonymous page without swap room', () => {
    const { component, reclaimer, swap } = setUp();
    swap.usedPages = swap.capacityPages;
    expect(reclaimer.reclaim(100, 'kswapd')).toBe(0);
    expect(component.outPages).toBe(0);
  });

  it('the cold-first reclaim of the balloon never takes a hot page, however much it is asked for', () => {
    const { component, reclaimer } = setUp();
    const taken: number[] = [];
    const got = reclaimer.reclaimCold(60_000, 800, (page) => taken.push(page));
    expect(taken.length).toBe(got);
    expect(got).toBe(600);
    expect(hotResident(component)).toBe(component.hot);
    expect(reclaimer.reclaimCold(60_000, 10, () => {})).toBe(0);
  });
});
