/**
 * The guest's page reclaim over its components: page cache before anonymous
 * memory, anonymous pages only into free swap slots (each write costs
 * 0.04 ms of the reclaim clock), counted as direct or kswapd work; and the
 * balloon's cold-first reclaim, which never takes a page touched within a minute.
 */
import { describe, expect, it } from 'vitest';
import type { Component } from '../../src/guest/component.js';
import type { GuestMemory } from '../../src/guest/guest-memory.js';
import { PageState } from '../../src/guest/page-state.js';
import { Reclaimer, SWAP_OUT_COST_MS } from '../../src/guest/reclaim.js';
import { SwapDevice, VmEvents } from '../../src/guest/vm-events.js';
import { Random } from '../../src/util/random.js';
import { component, freeBackedMemory, grow } from './component-world.js';

function world(parts: Array<{ kind: 'anon' | 'file'; pages: number; hot?: boolean }>, swapPages = 0) {
  const memory: GuestMemory = freeBackedMemory(1000);
  const components: Component[] = parts.map((p, i) => {
    const c = component({ kind: p.kind, name: `${p.kind}-${i}`, ...(p.hot ? { hotFraction: 1, hotTouchIntervalMs: 1000 } : {}) }, i + 1);
    grow(memory, c, p.pages);
    return c;
  });
  const swap = new SwapDevice(swapPages);
  const events = new VmEvents();
  const reclaimer = new Reclaimer(components, memory, swap, events, new Random(3));
  return { memory, components, swap, events, reclaimer };
}

describe('Reclaimer.reclaim', () => {
  it('takes page cache first: never-touched cache pages, as many as wanted after the first look cleared their young bits', () => {
    const { memory, components, swap, events, reclaimer } = world([{ kind: 'anon', pages: 200 }, { kind: 'file', pages: 200 }], 1000);
    const freeBefore = memory.count(PageState.FREE);
    expect(reclaimer.reclaim(10, 'direct')).toBe(10);
    expect(components[1]!.resident).toBe(190);
    expect(components[0]!.resident).toBe(200);
    expect(swap.usedPages).toBe(0);
    expect(memory.count(PageState.FREE)).toBe(freeBefore + 10);
    expect([events.directReclaimed, events.kswapdReclaimed, events.kswapdScanned]).toEqual([10, 0, 0]);
    // It had to look at every cache page once (young from creation) before one could go.
    expect(events.directScanned).toBeGreaterThan(200);
    expect(reclaimer.lastCostMs).toBeCloseTo(events.directScanned * 0.0002, 9);
  });

  it('swaps anonymous pages out only into free slots, each write costing 0.04 ms', () => {
    const { swap, events, reclaimer } = world([{ kind: 'anon', pages: 100 }], 5);
    expect(reclaimer.reclaim(50, 'kswapd')).toBe(5);
    expect(swap.usedPages).toBe(5);
    expect(events.swapOutPages).toBe(5);
    expect([events.kswapdReclaimed, events.directReclaimed]).toEqual([5, 0]);
    expect(reclaimer.lastCostMs).toBeGreaterThanOrEqual(5 * SWAP_OUT_COST_MS);
    // No slot left: nothing more.
    expect(reclaimer.reclaim(50, 'kswapd')).toBe(0);
  });

  it('frees nothing without swap when all memory is anonymous', () => {
    const { reclaimer, events } = world([{ kind: 'anon', pages: 100 }]);
    expect(reclaimer.reclaim(10, 'direct')).toBe(0);
    expect(events.directScanned).toBe(0);
  });

  it('lets kswapd stop between passes once balanced', () => {
    const { reclaimer } = world([{ kind: 'file', pages: 200 }]);
    expect(reclaimer.reclaim(100, 'kswapd', Number.POSITIVE_INFINITY, () => true)).toBe(0);
    expect(reclaimer.lastCostMs).toBe(0);
  });

  it('stops within its time budget', () => {
    const { reclaimer, events } = world([{ kind: 'file', pages: 500 }]);
    // 0.01 ms is 50 looks at 0.0002 ms: too few to get past the young pages.
    expect(reclaimer.reclaim(100, 'direct', 0.01)).toBe(0);
    expect(events.directScanned).toBeLessThan(100);
  });

  it('never lets its clock run behind simulated time', () => {
    const { reclaimer } = world([]);
    reclaimer.beginTick(5000);
    expect(reclaimer.scan.clockMs).toBe(5000);
    reclaimer.beginTick(1000);
    expect(reclaimer.scan.clockMs).toBe(5000);
  });
});

describe('Reclaimer.reclaimCold', () => {
  it('hands cold pages straight to the balloon (still in their state, still mapped) and leaves hot ones, however many are asked for', () => {
    const { memory, components, reclaimer } = world([{ kind: 'anon', pages: 100, hot: true }, { kind: 'file', pages: 50 }], 1000);
    reclaimer.beginTick(3_600_000);
    const taken: number[] = [];
    expect(reclaimer.reclaimCold(3_600_000, 1000, (page) => void taken.push(page))).toBe(50);
    expect(components[0]!.resident).toBe(100);
    expect(components[1]!.resident).toBe(0);
    expect(taken).toHaveLength(50);
    for (const page of taken) {
      expect(memory.stateOf(page)).toBe(PageState.CACHE);
      expect(memory.frameOfPage(page)).toBeGreaterThanOrEqual(1000);
    }
  });

  it('takes nothing from pages created within the last minute', () => {
    const { reclaimer } = world([{ kind: 'file', pages: 50 }]);
    reclaimer.beginTick(30_000);
    expect(reclaimer.reclaimCold(30_000, 10, () => {})).toBe(0);
  });
});
