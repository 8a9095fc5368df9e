/**
 * Components' logical entries in the thread's arena (entries-arena.ts): the
 * arena hands out zeroed regions that never overlap, and a component whose
 * entries live in a region, however its size goes over and under that room,
 * ends every step exactly as one whose entries are arrays of its own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Component } from '../../src/guest/component.js';
import { EntriesArena } from '../../src/guest/entries-arena.js';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { shrinkActive } from '../../src/guest/lru.js';
import { PageRuns } from '../../src/guest/page-runs.js';
import { PageState } from '../../src/guest/page-state.js';
import { SizeCurveSampler } from '../../src/guest/size-curve.js';
import type { WorkloadComponent } from '../../src/model/scenario.js';
import { Random } from '../../src/util/random.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { faultSome, freeBackedMemory, growByRuns } from './component-world.js';

describe('EntriesArena', () => {
  it('hands out zeroed regions of the length asked that never overlap, on cache lines, a buffer after another', () => {
    const arena = new EntriesArena(64 * 1024);
    const regions: Int32Array[] = [];
    for (let k = 0; k < 40; k++) {
      const region = arena.take(100 + 37 * k);
      expect(region.length).toBe(100 + 37 * k);
      expect(region.byteOffset % 64).toBe(0);
      expect(region.every((entry) => entry === 0)).toBe(true);
      region.fill(k + 1);
      regions.push(region);
    }
    regions.forEach((region, k) => expect(region.every((entry) => entry === k + 1)).toBe(true));
    expect(arena.buffers).toBeGreaterThan(1);
  });

  it('gives a region longer than a quarter of a buffer a buffer of its own', () => {
    const arena = new EntriesArena(64 * 1024);
    const small = arena.take(16);
    const large = arena.take(8 * 1024);
    expect(large.buffer).not.toBe(small.buffer);
    expect(large.byteOffset).toBe(0);
    expect(arena.take(16).buffer).toBe(small.buffer);
  });

  it('starts a new buffer after retire, so that a run holds none of the regions of the next', () => {
    const arena = new EntriesArena(64 * 1024);
    const before = arena.take(16);
    arena.retire();
    const after = arena.take(16);
    expect(after.buffer).not.toBe(before.buffer);
    expect(arena.take(16).buffer).toBe(after.buffer);
    expect(arena.buffers).toBe(2);
  });

  it('refuses a length that is not a positive whole number', () => {
    const arena = new EntriesArena();
    for (const length of [0, -1, 1.5, Number.NaN]) expect(() => arena.take(length)).toThrow(/positive whole number/);
  });
});

function newComponent(roomPages: number): Component {
  const spec: WorkloadComponent = { kind: 'anon', name: 'anon-0', size: { kind: 'constant', bytes: 0 }, hotFraction: 0.4, coldTouchIntervalMs: 30_000 };
  return new Component(spec, new SizeCurveSampler(spec.size, new Random(1)), new Random(2), 1000, new Int32Array(0), roomPages);
}

/** Takes up to `count` free pages into the component: by runs (the unwritten tail) or one array of pages. */
function growBy(memory: GuestMemory, component: Component, count: number, byRuns: boolean, nowMs: number): void {
  if (byRuns) {
    growByRuns(memory, component, count, new PageRuns(64), nowMs);
    return;
  }
  const pages = new Int32Array(count);
  const got = memory.takeMany(PageState.FREE, pages, 0, count);
  memory.putMany(pages, 0, got, PageState.FREE, component.state);
  component.grow(pages, got, nowMs);
}

/** Everything observable of a component and its memory. */
function snapshot(memory: GuestMemory, component: Component): unknown {
  return {
    entries: Array.from(component.logical.subarray(0, component.size)),
    size: component.size,
    resident: component.resident,
    active: component.activePages,
    hands: [component.hand, component.activeHand, component.coldHand],
    outCounts: Array.from(component.outCounts),
    out: component.outLists.map((list, bucket) => Array.from(list.subarray(0, component.outCounts[bucket]))),
    free: memory.count(PageState.FREE),
    problems: [...component.selfCheck((page) => memory.stateOf(page), new Int32Array(memory.pages), 1), ...memory.selfCheck()],
  };
}

describe('a component with its entries in the arena', () => {
  const params = propertyParams<[number, Array<[number, number]>]>(
    'grows, shrinks, scans, faults and dies exactly as with entries of its own, its size going over and under its room',
    { numRuns: 150 },
  );
  it(`${params.name} ${describeSeed(params.seed)}`, () => {
    assertProperty(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat({ max: 300 })), { maxLength: 60 }), (room, ops) => {
        const inArena = { memory: freeBackedMemory(768), component: newComponent(room) };
        const own = { memory: freeBackedMemory(768), component: newComponent(0) };
        let clockMs = 0;
        for (const [op, n] of ops) {
          clockMs += 100;
          for (const side of [inArena, own]) {
            const { memory, component } = side;
            if (op === 0) growBy(memory, component, Math.min(n, memory.count(PageState.FREE)), n % 2 === 0, clockMs);
            if (op === 1) component.shrinkTo(Math.min(component.size, n), memory);
            if (op === 2 || op === 5) {
              const state = { clockMs, scanCostMs: 0.0002, random: new Random(n), scanned: 0 };
              component.scan(n + 1, n + 1, state, (page) => memory.put(page, PageState.FREE), op === 5 || n % 2 === 0, op === 5 ? 1 : 10_000);
              if (op === 5) shrinkActive(component, n + 1, state);
            }
            if (op === 3) faultSome(memory, component, n);
            if (op === 4 && n % 10 === 0) component.clear(memory);
          }
          expect(snapshot(inArena.memory, inArena.component)).toEqual(snapshot(own.memory, own.component));
        }
      }),
      params,
    );
  });
});
