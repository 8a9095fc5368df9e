/**
 * The model-based test of GuestMemory: random allocator operations (every
 * transition the guest makes, plus hotplug and host paging) run on the real
 * page states and on a plain model, which must agree page by page after each.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { PAGE_STATE_COUNT, PAGE_STATE_NAMES, PageState, type PageStateValue } from '../../src/guest/page-state.js';
import { GuestSharedViews, HOST_SWAPPED, NO_FRAME } from '../../src/guest/shared-memory.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

/** In-use states: pages in them are held by their owner (kernel, a workload), on no stack. */
type HeldState = typeof PageState.KERNEL | typeof PageState.ANON | typeof PageState.CACHE;

/** The model: what every page should be, and which pages the "owners" hold. */
interface AllocatorModel {
  readonly pages: number;
  readonly state: PageStateValue[];
  readonly frame: number[];
  readonly held: Map<HeldState, number[]>;
  readonly counts: number[];
  nextFrame: number;
}

interface AllocatorReal {
  readonly memory: GuestMemory;
}

type AllocatorCommand = fc.Command<AllocatorModel, AllocatorReal>;

function newModel(pages: number, bootPages: number): AllocatorModel {
  const state: PageStateValue[] = [];
  const counts = new Array<number>(PAGE_STATE_COUNT).fill(0);
  for (let page = 0; page < pages; page++) {
    const s = page < bootPages ? PageState.FREE_UNBACKED : PageState.BALLOON;
    state.push(s);
    counts[s]!++;
  }
  const held = new Map<HeldState, number[]>([
    [PageState.KERNEL, []],
    [PageState.ANON, []],
    [PageState.CACHE, []],
  ]);
  return { pages, state, frame: new Array<number>(pages).fill(NO_FRAME), held, counts, nextFrame: 1000 };
}

function heldPages(model: AllocatorModel, state: HeldState): number[] {
  return model.held.get(state)!;
}

function moveInModel(model: AllocatorModel, page: number, to: PageStateValue): void {
  model.counts[model.state[page]!]!--;
  model.counts[to]!++;
  model.state[page] = to;
}

/** Takes a page off a stack and checks that it was really in that state. */
function takeChecked(real: AllocatorReal, model: AllocatorModel, state: PageStateValue): number {
  const page = real.memory.take(state);
  if (page < 0 || page >= model.pages) throw new Error(`take(${PAGE_STATE_NAMES[state]}) gave ${page} with ${model.counts[state]} pages in that state`);
  if (model.state[page] !== state) {
    throw new Error(`take(${PAGE_STATE_NAMES[state]}) gave page ${page}, which the model has in state ${PAGE_STATE_NAMES[model.state[page]!]}`);
  }
  if (real.memory.stateOf(page) !== state) throw new Error(`take(${PAGE_STATE_NAMES[state]}) gave page ${page} in state ${real.memory.stateOf(page)}`);
  return page;
}

function unmapChecked(real: AllocatorReal, model: AllocatorModel, page: number): void {
  const frame = real.memory.unmap(page);
  if (frame !== model.frame[page]) throw new Error(`unmap(${page}) gave frame ${frame}, the model says ${model.frame[page]}`);
  model.frame[page] = NO_FRAME;
}

function mapFresh(real: AllocatorReal, model: AllocatorModel, page: number): void {
  const frame = model.nextFrame++;
  real.memory.map(page, frame);
  model.frame[page] = frame;
}

const HELD_NAMES: Record<HeldState, string> = {
  [PageState.KERNEL]: 'kernel',
  [PageState.ANON]: 'anon',
  [PageState.CACHE]: 'cache',
};

/** A stacked page moves to another state, with an optional map or unmap on the way (the allocator's transitions). */
class StackedMove implements AllocatorCommand {
  constructor(
    readonly label: string,
    readonly from: PageStateValue,
    readonly to: PageStateValue,
    readonly frameChange: 'map' | 'unmap' | 'none',
  ) {}
  check(model: Readonly<AllocatorModel>): boolean {
    return model.counts[this.from]! > 0;
  }
  run(model: AllocatorModel, real: AllocatorReal): void {
    const page = takeChecked(real, model, this.from);
    if (this.frameChange === 'map') mapFresh(real, model, page);
    if (this.frameChange === 'unmap') unmapChecked(real, model, page);
    real.memory.put(page, this.to);
    moveInModel(model, page, this.to);
    if (this.to in HELD_NAMES) heldPages(model, this.to as HeldState).push(page);
    expectAllocatorMatches(model, real);
  }
  toString(): string {
    return `${this.label}()`;
  }
}

/** A held page (in use, or unpopulated) goes back onto a stack. */
class HeldRelease implements AllocatorCommand {
  constructor(
    readonly label: string,
    readonly from: HeldState,
    readonly to: PageStateValue,
    readonly frameChange: 'unmap' | 'none',
    readonly pick: number,
  ) {}
  check(model: Readonly<AllocatorModel>): boolean {
    return heldPages(model as AllocatorModel, this.from).length > 0;
  }
  run(model: AllocatorModel, real: AllocatorReal): void {
    const held = heldPages(model, this.from);
    const page = held.splice(this.pick % held.length, 1)[0]!;
    if (real.memory.stateOf(page) !== this.from) throw new Error(`page ${page} should be ${HELD_NAMES[this.from]}, is ${real.memory.stateOf(page)}`);
    // A page the host paged out leaves host swap (it has no frame to unmap).
    if (model.frame[page] === HOST_SWAPPED) {
      const marker = real.memory.dropHostSwap(page, false);
      if (marker !== HOST_SWAPPED) throw new Error(`dropHostSwap(${page}) found ${marker}, the model says it is paged out`);
      model.frame[page] = NO_FRAME;
    } else if (this.frameChange === 'unmap') unmapChecked(real, model, page);
    const to = this.to === PageState.FREE && model.frame[page] === NO_FRAME ? PageState.FREE_UNBACKED : this.to;
    real.memory.put(page, to);
    moveInModel(model, page, to);
    expectAllocatorMatches(model, real);
  }
  toString(): string {
    return `${this.label}(${HELD_NAMES[this.from]}, pick=${this.pick})`;
  }
}

/**
 * Host paging: the host takes the frame of a held anonymous or page-cache
 * page (it keeps its state), and a touch later brings a fresh one back.
 */
class PageOut implements AllocatorCommand {
  constructor(
    readonly from: typeof PageState.ANON | typeof PageState.CACHE,
    readonly pick: number,
    readonly back: boolean,
  ) {}
  check(model: Readonly<AllocatorModel>): boolean {
    return heldPages(model as AllocatorModel, this.from).length > 0;
  }
  run(model: AllocatorModel, real: AllocatorReal): void {
    const held = heldPages(model, this.from);
    const page = held[this.pick % held.length]!;
    if (model.frame[page] !== HOST_SWAPPED) {
      const frame = real.memory.pageOut(page);
      if (frame !== model.frame[page]) throw new Error(`pageOut(${page}) gave frame ${frame}, the model says ${model.frame[page]}`);
      model.frame[page] = HOST_SWAPPED;
    } else if (this.back) {
      real.memory.markSwapInPending(page);
      const frame = model.nextFrame++;
      real.memory.resolveSwapIn(page, frame);
      model.frame[page] = frame;
    }
    expectAllocatorMatches(model, real);
  }
  toString(): string {
    return `${this.back ? 'pageOutOrSwapIn' : 'pageOut'}(${HELD_NAMES[this.from]}, pick=${this.pick})`;
  }
}

/** After every command: the allocator agrees with the model page by page, and with itself. */
function expectAllocatorMatches(model: AllocatorModel, real: AllocatorReal): void {
  const memory = real.memory;
  const problems = memory.selfCheck();
  if (problems.length > 0) throw new Error(`selfCheck: ${problems.join('; ')}`);
  let total = 0;
  for (let state = 0; state < PAGE_STATE_COUNT; state++) {
    const count = memory.count(state as PageStateValue);
    if (count !== model.counts[state]) throw new Error(`${PAGE_STATE_NAMES[state]}: allocator counts ${count}, model ${model.counts[state]}`);
    total += count;
  }
  if (total !== model.pages) throw new Error(`page states add up to ${total}, the guest has ${model.pages} pages`);
  const framesSeen = new Set<number>();
  let mapped = 0;
  for (let page = 0; page < model.pages; page++) {
    if (memory.stateOf(page) !== model.state[page]) throw new Error(`page ${page}: state ${memory.stateOf(page)}, model ${model.state[page]}`);
    const frame = memory.frameOfPage(page);
    if (frame !== model.frame[page]) throw new Error(`page ${page}: frame ${frame}, model ${model.frame[page]}`);
    // A page maps a frame exactly when it is free-and-backed or in use (PageState's comments).
    const s = model.state[page]!;
    const backed = s === PageState.FREE || s === PageState.KERNEL || s === PageState.ANON || s === PageState.CACHE;
    if (frame === HOST_SWAPPED) {
      if (s !== PageState.ANON && s !== PageState.CACHE) throw new Error(`page ${page} is ${PAGE_STATE_NAMES[s]} and paged out by the host`);
      continue;
    }
    if (backed !== (frame !== NO_FRAME)) {
      throw new Error(`page ${page} is ${PAGE_STATE_NAMES[s]} and ${frame === NO_FRAME ? 'maps no frame' : `maps frame ${frame}`}`);
    }
    if (frame === NO_FRAME) continue;
    mapped++;
    if (framesSeen.has(frame)) throw new Error(`frame ${frame} is mapped by two pages`);
    framesSeen.add(frame);
  }
  if (mapped !== memory.mappedPages) throw new Error(`mapped pages: allocator says ${memory.mappedPages}, pages say ${mapped}`);
}

const pick = fc.nat({ max: 1000 });

/** Every transition the guest makes (guest-actor.ts, balloon-driver.ts, workload.ts), plus hotplug. */
const allocatorCommands: Array<fc.Arbitrary<AllocatorCommand>> = [
  fc.constantFrom<HeldState>(PageState.KERNEL, PageState.ANON, PageState.CACHE).map(
    (to) => new StackedMove(`allocate${HELD_NAMES[to][0]!.toUpperCase()}${HELD_NAMES[to].slice(1)}`, PageState.FREE, to, 'none'),
  ),
  fc.tuple(fc.constantFrom<HeldState>(PageState.ANON, PageState.CACHE, PageState.KERNEL), pick).map(
    ([from, p]) => new HeldRelease('freeInUse', from, PageState.FREE, 'none', p),
  ),
  fc.constant(new StackedMove('inflateBacked', PageState.FREE, PageState.BALLOON, 'unmap')),
  fc.constant(new StackedMove('inflateUnbacked', PageState.FREE_UNBACKED, PageState.BALLOON, 'none')),
  fc.constant(new StackedMove('deflateGrant', PageState.BALLOON, PageState.FREE, 'map')),
  fc.constant(new StackedMove('refusedFrameBack', PageState.BALLOON, PageState.FREE, 'map')),
  fc.constant(new StackedMove('refusedUnbackedBack', PageState.BALLOON, PageState.FREE_UNBACKED, 'none')),
  fc.constant(new StackedMove('populate', PageState.FREE_UNBACKED, PageState.FREE, 'map')),
  fc.constant(new StackedMove('reportFree', PageState.FREE, PageState.FREE_UNBACKED, 'unmap')),
  fc.constant(new StackedMove('unplugBacked', PageState.FREE, PageState.UNPOPULATED, 'unmap')),
  fc.constant(new StackedMove('unplugUnbacked', PageState.FREE_UNBACKED, PageState.UNPOPULATED, 'none')),
  fc.constant(new StackedMove('plug', PageState.UNPOPULATED, PageState.FREE_UNBACKED, 'none')),
  fc.tuple(fc.constantFrom<typeof PageState.ANON | typeof PageState.CACHE>(PageState.ANON, PageState.CACHE), pick, fc.boolean()).map(([from, p, back]) => new PageOut(from, p, back)),
  pick.map((p) => new HeldRelease('reclaimColdToBalloon', PageState.CACHE, PageState.BALLOON, 'unmap', p)),
  pick.map((p) => new HeldRelease('reclaimColdToBalloon', PageState.ANON, PageState.BALLOON, 'unmap', p)),
];

const allocatorParams = propertyParams<[number, number, Iterable<AllocatorCommand>]>(
  'random allocator operations keep selfCheck empty and the page states adding up',
  { numRuns: 300 },
);

describe(`GuestMemory model ${describeSeed(allocatorParams.seed)}`, () => {
  it(allocatorParams.name, () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.commands(allocatorCommands, { maxCommands: 200, size: 'large' }),
        (pages, bootFraction, commands) => {
          const bootPages = Math.max(1, Math.round(pages * bootFraction));
          const memory = new GuestMemory(GuestSharedViews.allocate(pages));
          memory.layOut(bootPages);
          const model = newModel(pages, bootPages);
          expectAllocatorMatches(model, { memory });
          fc.modelRun(() => ({ model, real: { memory } }), commands);
        },
      ),
      allocatorParams,
    );
  });
});
