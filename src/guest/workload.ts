import type { WorkloadComponent } from '../scenario/types.js';
import { deriveSeed, Random } from '../util/random.js';
import type { GuestMemory } from './guest-memory.js';
import { PageState, type PageStateValue } from './page-state.js';
import { SizeCurveSampler } from './size-curve.js';

/** A killed component comes back after this long, empty, and grows toward its demand again. */
export const RESTART_AFTER_KILL_MS = 30_000;

/** One workload component: the pages it holds and the size it wants. */
class Component {
  /** Guest pages held, in allocation order. */
  private held: Int32Array = new Int32Array(64);
  private heldCount = 0;
  /** While killed: when it comes back. */
  deadUntilMs = -1;
  kills = 0;

  constructor(
    readonly spec: WorkloadComponent,
    readonly pageState: PageStateValue,
    readonly sampler: SizeCurveSampler,
  ) {}

  get pages(): number {
    return this.heldCount;
  }

  hold(page: number): void {
    if (this.heldCount === this.held.length) {
      const grown = new Int32Array(this.held.length * 2);
      grown.set(this.held);
      this.held = grown;
    }
    this.held[this.heldCount++] = page;
  }

  /** Gives back the most recently allocated page, or -1. */
  drop(): number {
    if (this.heldCount === 0) return -1;
    return this.held[--this.heldCount]!;
  }
}

/**
 * What runs in the guest: components whose sizes follow curves over time. Each
 * step grows or shrinks every component toward its demand, taking only free
 * pages that already have a frame; what it could not get is the shortfall,
 * which the guest covers by asking the host to back more pages, or by the OOM
 * killer when there is nothing left.
 */
export class Workload {
  private readonly components: Component[];

  constructor(
    specs: ReadonlyArray<WorkloadComponent>,
    private readonly memory: GuestMemory,
    private readonly pageBytes: number,
    guestSeed: number,
  ) {
    this.components = specs.map(
      (spec, index) =>
        new Component(
          spec,
          spec.kind === 'anon' ? PageState.ANON : PageState.CACHE,
          new SizeCurveSampler(spec.size, new Random(deriveSeed(guestSeed, 'workload', index))),
        ),
    );
  }

  /**
   * Moves every live component toward its demand at `nowMs`. Returns the
   * pages wanted that no free backed page could provide.
   */
  step(nowMs: number): number {
    let shortfall = 0;
    for (const component of this.components) {
      const demand = this.demandPages(component, nowMs);
      while (component.pages > demand) this.memory.put(component.drop(), PageState.FREE);
      while (component.pages < demand) {
        const page = this.memory.take(PageState.FREE);
        if (page < 0) {
          shortfall += demand - component.pages;
          break;
        }
        this.memory.put(page, component.pageState);
        component.hold(page);
      }
    }
    return shortfall;
  }

  /**
   * The OOM killer: kills the component that holds the most pages, frees them,
   * and returns its name (or null if nothing could be killed).
   */
  killLargest(nowMs: number): string | null {
    let victim: Component | null = null;
    for (const component of this.components) {
      if (component.deadUntilMs < 0 && component.pages > 0 && (victim === null || component.pages > victim.pages)) {
        victim = component;
      }
    }
    if (victim === null) return null;
    for (let page = victim.drop(); page >= 0; page = victim.drop()) this.memory.put(page, PageState.FREE);
    victim.deadUntilMs = nowMs + RESTART_AFTER_KILL_MS;
    victim.kills++;
    return victim.spec.name;
  }

  /** Pages held by all components. */
  get residentPages(): number {
    let pages = 0;
    for (const component of this.components) pages += component.pages;
    return pages;
  }

  private demandPages(component: Component, nowMs: number): number {
    const bytes = component.sampler.bytesAt(nowMs);
    if (component.deadUntilMs >= 0) {
      if (nowMs < component.deadUntilMs) return 0;
      component.deadUntilMs = -1;
    }
    return Math.max(0, Math.floor(bytes / this.pageBytes));
  }
}
