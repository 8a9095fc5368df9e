/** A workload component over a guest memory of its own, for unit tests of the LRU and reclaim. */
import { BUCKETS } from '../../src/guest/access-pattern.js';
import { Component } from '../../src/guest/component.js';
import type { ScanState } from '../../src/guest/component-layout.js';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import type { PageRuns } from '../../src/guest/page-runs.js';
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

/** Takes up to `count` free pages as the free stack's runs (as a growth does) into the component: they join its unwritten tail. */
export function growByRuns(memory: GuestMemory, target: Component, count: number, runs: PageRuns, nowMs: number): void {
  runs.clear();
  while (runs.pages < count && runs.runs < runs.capacity) {
    const got = memory.takeRun(PageState.FREE, count - runs.pages);
    if (got === 0) break;
    memory.putRun(memory.runFirst, got, memory.runStep, PageState.FREE, target.state);
    runs.add(memory.runFirst, memory.runStep, got);
  }
  target.growRuns(runs, nowMs);
}

/** Faults up to `n % 20` out pages back in onto free pages, drawn from the buckets and slots `n` picks. */
export function faultSome(memory: GuestMemory, target: Component, n: number): void {
  for (let k = 0; k < n % 20; k++) {
    const bucket = (n + k) % BUCKETS;
    if (target.outCounts[bucket] === 0) continue;
    const page = memory.take(PageState.FREE);
    if (page < 0) break;
    memory.put(page, target.state);
    target.faultIn(bucket, (n * 7 + k) % target.outCounts[bucket]!, page);
  }
}
