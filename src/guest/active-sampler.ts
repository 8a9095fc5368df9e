import type { GuestToHost, SampleActiveMessage } from '../messages/protocol.js';
import type { Random } from '../util/random.js';
import type { Component } from './component.js';
import { PAGE_MASK } from './component-layout.js';
import type { GuestMemory } from './guest-memory.js';
import { PageState } from './page-state.js';
import { randomResident } from './resident-counts.js';

/** Most pages one sampling period may sample (a limit on everything). */
export const ACTIVE_SAMPLE_PAGES_MAX = 100_000;

const KERNEL = 0;
const FREE = 1;
const WORKLOAD = 2;

/**
 * ESX's active-memory sampling (Waldspurger 2002, section 5.2), as the guest's
 * memory answers it. At the start of a period the host names how many pages
 * to sample; the sampler picks that many pages of the guest's memory
 * uniformly at random (its pages outside the balloon: kernel, free and
 * workload pages alike), as ESX invalidates the mappings of random guest
 * pages. At the end of the period each sampled page is judged touched or
 * not from what the guest model knows:
 *
 * - a workload page still held by the same logical page is touched with
 *   probability 1 - exp(-rate x period), its touch rate being that of its
 *   bucket (hot pages almost surely, cold ones rarely or never);
 * - a page that was free and was allocated during the period was written,
 *   so touched; one still free, or freed meanwhile, was not;
 * - kernel memory counts as touched.
 *
 * The answer (`activeSample`) carries only counts; the host never reads the
 * guest's pages. Draws come from the guest's own seeded generator.
 */
export class ActiveSampler {
  private id = -1;
  private startMs = 0;
  private endMs = 0;
  private count = 0;
  private kinds = new Uint8Array(0);
  private pages = new Int32Array(0);
  private componentOf = new Int32Array(0);
  private indexes = new Int32Array(0);
  /** Periods answered since boot. */
  samplesSent = 0;

  constructor(
    private readonly memory: GuestMemory,
    private readonly components: ReadonlyArray<Component>,
    private readonly random: Random,
  ) {}

  /** A new period starts at `nowMs` (an unfinished one is answered first, for the time it ran). */
  start(message: SampleActiveMessage, nowMs: number, outbox: GuestToHost[]): void {
    if (this.id >= 0) this.answer(nowMs, outbox);
    const wanted = Math.min(Math.max(0, message.pages), ACTIVE_SAMPLE_PAGES_MAX);
    if (this.kinds.length < wanted) {
      this.kinds = new Uint8Array(wanted);
      this.pages = new Int32Array(wanted);
      this.componentOf = new Int32Array(wanted);
      this.indexes = new Int32Array(wanted);
    }
    this.id = message.id;
    this.startMs = nowMs;
    this.endMs = nowMs + Math.max(0, message.periodMs);
    this.count = 0;
    const memory = this.memory;
    const kernel = memory.count(PageState.KERNEL);
    const free = memory.count(PageState.FREE);
    const unbacked = memory.count(PageState.FREE_UNBACKED);
    let workload = 0;
    for (const component of this.components) workload += component.resident;
    const total = kernel + free + unbacked + workload;
    if (total <= 0) return;
    const random = this.random;
    for (let i = 0; i < wanted; i++) {
      let rank = random.int(total);
      const at = this.count++;
      if (rank < kernel) {
        this.kinds[at] = KERNEL;
        continue;
      }
      rank -= kernel;
      if (rank < free + unbacked) {
        this.kinds[at] = FREE;
        this.pages[at] = rank < free ? memory.stackPage(PageState.FREE, rank) : memory.stackPage(PageState.FREE_UNBACKED, rank - free);
        continue;
      }
      rank -= free + unbacked;
      let which = 0;
      while (rank >= this.components[which]!.resident) rank -= this.components[which++]!.resident;
      const component = this.components[which]!;
      const index = randomResident(component, random);
      this.kinds[at] = WORKLOAD;
      this.componentOf[at] = which;
      this.indexes[at] = index;
      this.pages[at] = component.logical[index]! & PAGE_MASK;
    }
  }

  /** Answers the period in progress if it ends within the tick that starts at `nowMs`. */
  step(nowMs: number, tickMs: number, outbox: GuestToHost[]): void {
    if (this.id >= 0 && nowMs + tickMs >= this.endMs) this.answer(nowMs + tickMs, outbox);
  }

  /** Judges every sampled page at `endMs` and sends the counts. */
  private answer(endMs: number, outbox: GuestToHost[]): void {
    const elapsedMs = Math.max(0, endMs - this.startMs);
    const memory = this.memory;
    const random = this.random;
    let touched = 0;
    for (let i = 0; i < this.count; i++) {
      switch (this.kinds[i]) {
        case KERNEL:
          touched++;
          break;
        case FREE:
          if (inUse(memory.stateOf(this.pages[i]!))) touched++;
          break;
        default: {
          const component = this.components[this.componentOf[i]!]!;
          const index = this.indexes[i]!;
          const page = this.pages[i]!;
          const entry = index < component.size ? component.logical[index]! : -1;
          if (entry >= 0 && (entry & PAGE_MASK) === page) {
            const rate = component.pattern.ratePerMs[component.pattern.bucketOf(index, component.hot)]!;
            if (rate > 0 && random.next() < 1 - Math.exp(-rate * elapsedMs)) touched++;
          } else if (inUse(memory.stateOf(page))) touched++;
        }
      }
    }
    outbox.push({ type: 'activeSample', id: this.id, sampledPages: this.count, touchedPages: touched });
    this.samplesSent++;
    this.id = -1;
    this.count = 0;
  }
}

function inUse(state: number): boolean {
  return state === PageState.ANON || state === PageState.CACHE || state === PageState.KERNEL;
}
