/**
 * A component's unwritten tail: growth by runs is written into the logical
 * entries only when something reads them, and a shrink that drops only
 * unwritten pages frees them run by run. Held to the entry-by-entry path:
 * the same component, its entries read (so written) before every shrink,
 * must end in the same state, with the same free pages in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Component } from '../../src/guest/component.js';
import { YOUNG_BIT } from '../../src/guest/component-layout.js';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { PageRuns } from '../../src/guest/page-runs.js';
import { PageState } from '../../src/guest/page-state.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import { SizeCurveSampler } from '../../src/guest/size-curve.js';
import { UnwrittenTail } from '../../src/guest/unwritten-tail.js';
import type { WorkloadComponent } from '../../src/model/scenario.js';
import { Random } from '../../src/util/random.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { growByRuns } from './component-world.js';

/** A guest memory of `pages` backed free pages, its free stack in the order of `order` (the last one on top). */
function memoryWithFreeOrder(order: number[]): GuestMemory {
  const memory = new GuestMemory(GuestSharedViews.allocate(order.length));
  memory.layOut(order.length);
  const all = new Int32Array(order.length);
  const got = memory.takeMany(PageState.FREE_UNBACKED, all, 0, order.length);
  for (let i = 0; i < got; i++) memory.map(all[i]!, 1000 + all[i]!);
  memory.putMany(Int32Array.from(order), 0, order.length, PageState.FREE_UNBACKED, PageState.FREE);
  return memory;
}

function newComponent(): Component {
  const spec: WorkloadComponent = { kind: 'anon', name: 'anon-0', size: { kind: 'constant', bytes: 0 }, hotFraction: 0.3 };
  return new Component(spec, new SizeCurveSampler(spec.size, new Random(1)), new Random(2), 1000);
}

/** Everything observable of a component and its memory: entries, counts, and the free pages in the order they would be taken. */
function snapshot(memory: GuestMemory, component: Component): unknown {
  const entries = Array.from(component.logical.subarray(0, component.size));
  const free: number[] = [];
  for (let page = memory.take(PageState.FREE); page >= 0; page = memory.take(PageState.FREE)) free.push(page);
  memory.putMany(Int32Array.from(free.slice().reverse()), 0, free.length, PageState.FREE, PageState.FREE);
  return {
    entries,
    size: component.size,
    resident: component.resident,
    hot: component.hot,
    groups: Array.from(component.groupResident),
    blocks: Array.from(component.blockResident),
    segments: Array.from(component.segmentPassMs),
    free,
    problems: [...component.selfCheck((page) => memory.stateOf(page), new Int32Array(memory.pages), 1), ...memory.selfCheck()],
  };
}

describe('UnwrittenTail', () => {
  it('joins a run that goes on from the last one, and writes its entries young', () => {
    const tail = new UnwrittenTail();
    tail.append(10, 1, 5);
    tail.append(15, 1, 3);
    tail.append(9, -1, 2);
    expect([tail.runs, tail.pages]).toEqual([2, 10]);
    const logical = new Int32Array(12);
    tail.writeInto(logical, 2);
    expect(Array.from(logical.subarray(2)).map((entry) => entry & ~YOUNG_BIT)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 9, 8]);
    expect(logical.subarray(2).every((entry) => (entry & YOUNG_BIT) !== 0)).toBe(true);
    expect([tail.runs, tail.pages]).toEqual([0, 0]);
  });

  it('does not join a run that goes the other way', () => {
    const tail = new UnwrittenTail();
    tail.append(40, -1, 2);
    // 42 is where 40, 39 would go on if it went up (40 + 2 * 1).
    tail.append(42, 1, 2);
    const logical = new Int32Array(4);
    tail.writeInto(logical, 0);
    expect(Array.from(logical).map((entry) => entry & ~YOUNG_BIT)).toEqual([40, 39, 42, 43]);
  });

  it('refuses to drop more pages than it holds', () => {
    const tail = new UnwrittenTail();
    tail.append(3, 1, 2);
    const memory = memoryWithFreeOrder([0, 1, 2, 3, 4]);
    expect(() => tail.dropLast(3, memory, PageState.ANON, PageState.FREE)).toThrow(/3 pages asked, the tail holds 2/);
  });

  it('grows by runs without writing entries, and a shrink within them writes none', () => {
    const memory = memoryWithFreeOrder(Array.from({ length: 4096 }, (_, k) => 4095 - k));
    const component = newComponent();
    const runs = new PageRuns(64);
    growByRuns(memory, component, 3000, runs, 0);
    expect(component.unwrittenPages).toBe(3000);
    component.shrinkTo(1000, memory);
    expect(component.unwrittenPages).toBe(1000);
    expect(component.resident).toBe(1000);
    expect(memory.count(PageState.FREE)).toBe(4096 - 1000);
    // Reading the entries writes them: the pages taken first, in order.
    expect(Array.from(component.logical.subarray(0, 3)).map((entry) => entry & ~YOUNG_BIT)).toEqual([0, 1, 2]);
    expect(component.unwrittenPages).toBe(0);
  });

  const params = propertyParams<[number[], Array<[number, number]>]>('grow by runs and shrink: the unwritten tail ends as the entries written before every shrink', { numRuns: 200 });
  it(`${params.name} ${describeSeed(params.seed)}`, () => {
    const pages = 600;
    assertProperty(
      fc.property(
        // The free stack's order (a permutation: runs up, down, and pages alone), then grow (0), shrink (1) and read (2) steps.
        fc.shuffledSubarray(Array.from({ length: pages }, (_, k) => k), { minLength: pages, maxLength: pages }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat({ max: 400 })), { maxLength: 40 }),
        (order, steps) => {
          // Some runs: sort a few stretches of the permutation up or down.
          for (let at = 0; at + 40 < pages; at += 97) {
            const part = order.slice(at, at + 40).sort((a, b) => (at % 2 === 0 ? a - b : b - a));
            order.splice(at, 40, ...part);
          }
          const lazy = { memory: memoryWithFreeOrder(order), component: newComponent() };
          const eager = { memory: memoryWithFreeOrder(order), component: newComponent() };
          const runs = new PageRuns(pages);
          // Runs freed by each side's shrinks: the tail frees in the same runs as the entries do.
          const putRuns = new Map<GuestMemory, number>();
          for (const side of [lazy, eager]) {
            const putRun = side.memory.putRun.bind(side.memory);
            putRuns.set(side.memory, 0);
            side.memory.putRun = (first, count, step, from, to) => {
              if (to === PageState.FREE) putRuns.set(side.memory, putRuns.get(side.memory)! + 1);
              putRun(first, count, step, from, to);
            };
          }
          let nowMs = 0;
          for (const [step, n] of steps) {
            nowMs += 1000;
            for (const side of [lazy, eager]) {
              if (step === 0) growByRuns(side.memory, side.component, Math.min(n, side.memory.count(PageState.FREE)), runs, nowMs);
              if (step === 1) {
                // The eager side has its entries written first: the shrink goes entry by entry.
                if (side === eager) void side.component.logical;
                side.component.shrinkTo(Math.min(side.component.size, n), side.memory);
              }
              if (step === 2 && side === lazy && n % 3 === 0) void side.component.logical;
            }
            expect(lazy.component.size).toBe(eager.component.size);
            expect(lazy.memory.count(PageState.FREE)).toBe(eager.memory.count(PageState.FREE));
          }
          expect(putRuns.get(lazy.memory)).toBe(putRuns.get(eager.memory));
          expect(snapshot(lazy.memory, lazy.component)).toEqual(snapshot(eager.memory, eager.component));
        },
      ),
      params,
    );
  });
});
