/** A workload component over a guest memory of its own, for unit tests of the LRU and reclaim. */
import { Component } from '../../src/guest/component.js';
import type { ScanState } from '../../src/guest/component-layout.js';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { PageState } from '../../src/guest/page-state.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import { SizeCurveSampler } from '../../src/guest/size-curve.js';
import type { WorkloadComponent } from '../../src/model/scenario.js';
import { Random } from '../../src/util/random.js';

/** A guest memory of `pages` pages, all free and backed (frame = page + 1000). */
export function freeBackedMemory(pages: number): GuestMemory {
  const memory = new GuestMemory(GuestSharedViews.allocate(pages));
  memory.layOut(pages);
  for (let page = memory.take(PageState.FREE_UNBACKED), frame = 1000; page >= 0; page = memory.take(PageState.FREE_UNBACKED)) {
    memory.map(page, frame++);
    memory.put(page, PageState.FREE);
  }
  return memory;
}

/** A component of the given access pattern (anonymous, nothing hot unless said), ticks of 1 s. */
export function component(overrides: Partial<WorkloadComponent> = {}, seed = 1): Component {
  const spec: WorkloadComponent = { kind: 'anon', name: 'anon-0', size: { kind: 'constant', bytes: 0 }, hotFraction: 0, ...overrides };
  return new Component(spec, new SizeCurveSampler(spec.size, new Random(seed)), new Random(seed + 1), 1000);
}

/** Moves `count` free pages into the component at `nowMs`; returns them in the order appended. */
export function grow(memory: GuestMemory, target: Component, count: number, nowMs = 0): number[] {
  const pages = new Int32Array(count);
  const got = memory.takeMany(PageState.FREE, pages, 0, count);
  if (got !== count) throw new Error(`grow: only ${got} free pages of ${count}`);
  memory.putMany(pages, 0, count, PageState.FREE, target.state);
  target.grow(pages, count, nowMs);
  return Array.from(pages);
}

/** A scan at `clockMs` (0.0002 ms per page looked at), with its own seeded random. */
export function scanAt(clockMs: number, seed = 7): ScanState {
  return { clockMs, scanCostMs: 0.0002, random: new Random(seed), scanned: 0 };
}
