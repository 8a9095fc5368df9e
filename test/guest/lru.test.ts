/**
 * The LRU hands over one component's logical pages (mm/vmscan.c's
 * shrink_inactive_list and shrink_active_list, and the balloon's cold scan),
 * on components whose touch rates make the outcome certain: pages never
 * touched (rate 0), or touched every second and looked at hours later.
 */
import { describe, expect, it } from 'vitest';
import { evictCold, inactiveRatio, shrinkActive, shrinkInactive } from '../../src/guest/lru.js';
import { component, freeBackedMemory, grow, scanAt } from './component-world.js';

const GiB_PAGES = 262_144;

describe('inactiveRatio', () => {
  it('is 1 below 1 GiB of lists, sqrt(10 x GiB) rounded down above', () => {
    expect(inactiveRatio(GiB_PAGES - 1, 4096)).toBe(1);
    expect(inactiveRatio(GiB_PAGES, 4096)).toBe(3);
    expect(inactiveRatio(10 * GiB_PAGES, 4096)).toBe(10);
    expect(inactiveRatio(100 * GiB_PAGES, 4096)).toBe(31);
    // Whole GiB only: 1.9 GiB counts as 1.
    expect(inactiveRatio(1.9 * GiB_PAGES, 4096)).toBe(3);
  });
});

describe('shrinkInactive', () => {
  it('keeps every page on its first pass (young from the fault that made it), and takes the untouched ones on the next, in logical order', () => {
    const memory = freeBackedMemory(100);
    const c = component();
    const pages = grow(memory, c, 40);
    const taken: number[] = [];
    const sink = (page: number) => void taken.push(page);
    const first = scanAt(1000);
    expect(shrinkInactive(c, 1000, 1000, first, sink)).toBe(0);
    expect(first.scanned).toBe(40);
    expect(shrinkInactive(c, 1000, 10, scanAt(2000), sink)).toBe(10);
    expect(taken).toEqual(pages.slice(0, 10));
    // The hand goes on from where it stopped.
    expect(shrinkInactive(c, 1000, 5, scanAt(3000), sink)).toBe(5);
    expect(taken.slice(10)).toEqual(pages.slice(10, 15));
    expect(c.resident).toBe(25);
  });

  it('looks at no more than its budget of inactive pages', () => {
    const memory = freeBackedMemory(100);
    const c = component();
    grow(memory, c, 40);
    shrinkInactive(c, 1000, 1000, scanAt(1000), () => {});
    const scan = scanAt(2000);
    expect(shrinkInactive(c, 7, 1000, scan, () => {})).toBe(7);
    expect(scan.scanned).toBe(7);
    // Each page looked at costs scan time.
    expect(scan.clockMs).toBeCloseTo(2000 + 7 * 0.0002, 9);
  });

  it('activates pages touched again after being referenced once (hot pages looked at an hour apart), and takes none of them', () => {
    const memory = freeBackedMemory(100);
    const c = component({ hotFraction: 1, hotTouchIntervalMs: 1000 });
    grow(memory, c, 64);
    shrinkInactive(c, 1000, 1000, scanAt(10), () => {});
    expect(c.activePages).toBe(0);
    expect(shrinkInactive(c, 1000, 1000, scanAt(3_600_000), () => {})).toBe(0);
    expect(c.activePages).toBe(64);
    expect(c.resident).toBe(64);
  });

  it('does nothing for an empty component, a want of 0 or a budget of 0', () => {
    const memory = freeBackedMemory(10);
    const c = component();
    expect(shrinkInactive(c, 10, 10, scanAt(0), () => {})).toBe(0);
    grow(memory, c, 5);
    expect(shrinkInactive(c, 10, 0, scanAt(5000), () => {})).toBe(0);
    expect(shrinkInactive(c, 0, 10, scanAt(5000), () => {})).toBe(0);
    expect(c.resident).toBe(5);
  });
});

describe('shrinkActive', () => {
  it('deactivates active pages up to its budget; right after, the inactive hand takes them although they are hot', () => {
    const memory = freeBackedMemory(100);
    const c = component({ hotFraction: 1, hotTouchIntervalMs: 1000 });
    grow(memory, c, 64);
    shrinkInactive(c, 1000, 1000, scanAt(10), () => {});
    shrinkInactive(c, 1000, 1000, scanAt(3_600_000), () => {});
    expect(shrinkActive(c, 20, scanAt(3_600_001))).toBe(20);
    expect(c.activePages).toBe(44);
    expect(shrinkActive(c, 1000, scanAt(3_600_002))).toBe(44);
    expect(c.activePages).toBe(0);
    // A microsecond later the hot pages (touched once a second) have almost surely not been touched again.
    const taken = shrinkInactive(c, 1000, 1000, scanAt(3_600_002), () => {});
    expect(taken).toBeGreaterThanOrEqual(60);
  });

  it('finds nothing to deactivate on a component with no active page', () => {
    const memory = freeBackedMemory(10);
    const c = component();
    grow(memory, c, 5);
    expect(shrinkActive(c, 100, scanAt(1000))).toBe(0);
  });
});

describe('evictCold', () => {
  it('evicts pages not touched within the window; a page created within it counts as touched', () => {
    const memory = freeBackedMemory(100);
    const c = component();
    const pages = grow(memory, c, 30);
    const taken: number[] = [];
    expect(evictCold(c, 1000, 1000, scanAt(30_000), (p) => void taken.push(p), 60_000)).toBe(0);
    expect(evictCold(c, 1000, 12, scanAt(120_000), (p) => void taken.push(p), 60_000)).toBe(12);
    expect(taken).toEqual(pages.slice(0, 12));
  });

  it('never takes pages touched every second with a window of a minute', () => {
    const memory = freeBackedMemory(100);
    const c = component({ hotFraction: 1, hotTouchIntervalMs: 1000 });
    grow(memory, c, 50);
    expect(evictCold(c, 1000, 1000, scanAt(3_600_000), () => {}, 60_000)).toBe(0);
    expect(c.resident).toBe(50);
  });
});
