import { framesOfRuns, type GrantMessage, type GuestToHost, type PageOutMessage } from '../messages/protocol.js';
import type { Random } from '../util/random.js';
import { BUCKETS } from './access-pattern.js';
import type { Component } from './component.js';
import { PAGE_MASK, REF_BIT } from './component-layout.js';
import type { GuestMemory } from './guest-memory.js';
import type { TaskClock } from './page-allocator.js';
import { randomResident } from './resident-counts.js';
import { frameOfWord, HOST_SWAPPED, SWAP_IN_PENDING } from './shared-memory.js';
import type { VmEvents } from './vm-events.js';

/** Most pages one `pageOut` may take (a limit on everything). */
const PAGE_OUT_PAGES_MAX = 1 << 20;

/**
 * Host paging, as the guest's memory sees it (ESX's hard and low states).
 *
 * The host decides how many pages to take from this guest; the guest's
 * memory-management unit (the simulator's stand-in for the hypervisor's
 * own page tables, not the guest kernel) picks them uniformly at random
 * among pages with contents (anonymous and page cache), marks them
 * HOST_SWAPPED in the page map and hands their frames back. The guest
 * kernel never chooses and never knows: its reclaim, allocator and balloon
 * go on as before. Then:
 *
 * - touching a paged-out page (drawn per touch-rate bucket, as faults on
 *   swapped pages are) is a host swap fault: the task stalls for the host's
 *   swap latency and the guest asks for the frame back (`request` with
 *   purpose `swapIn`, answered before the next step in lockstep, one in
 *   flight at a time; a page the host could
 *   not give a frame to is paged out again, and its next touch faults again);
 * - the guest swapping out a paged-out page reads it from host swap first
 *   (double paging, counted and charged to reclaim: Reclaimer);
 * - a paged-out page the guest drops (freed, page cache dropped, ballooned)
 *   frees its host swap slot, which the guest tells the host in a
 *   `hostSwapRelease`.
 */
export class HostSwapUnit {
  /** Pages taken by `pageOut`, since boot. */
  pagedOutPages = 0;
  /** Pages brought back by swap-in grants, since boot. */
  swappedInPages = 0;
  private pendingPages: Int32Array<ArrayBuffer> = new Int32Array(256);
  private pendingComponents: Int32Array<ArrayBuffer> = new Int32Array(256);
  private pendingIndexes: Int32Array<ArrayBuffer> = new Int32Array(256);
  private pendingCount = 0;
  /** The first `askedCount` pending pages are in the swap-in request in flight (0: none is). */
  private askedCount = 0;
  private asking = false;
  /** Frames granted for swap-ins of pages dropped before the grant came: going back to the host. */
  private returnedFrames: number[] = [];
  /** The guest's page-to-frame map's words (`frameOfWord`). */
  private readonly mapWords: Int32Array;

  constructor(
    private readonly memory: GuestMemory,
    private readonly components: ReadonlyArray<Component>,
    private readonly events: VmEvents,
    private readonly random: Random,
    /** What a host swap fault costs the touching task. */
    readonly faultMs: number,
  ) {
    if (!(faultMs >= 0)) throw new RangeError(`HostSwapUnit: faultMs must be at least 0, got ${faultMs}`);
    this.mapWords = memory.mapWords;
  }

  /** Pages waiting for a swap-in: asked for and not answered yet, or touched since and not asked for yet. */
  get pendingSwapIns(): number {
    return this.pendingCount;
  }

  /**
   * The host takes up to `message.pages` pages: random resident pages of the
   * workload that still have their frames. Answers with their frames.
   */
  onPageOut(message: PageOutMessage, outbox: GuestToHost[]): void {
    const want = Math.min(Math.max(0, message.pages), PAGE_OUT_PAGES_MAX);
    const components = this.components;
    const eligible = components.map((c) => Math.max(0, c.resident - c.hostSwap.total));
    let total = eligible.reduce((a, b) => a + b, 0);
    const frames: number[] = [];
    const memory = this.memory;
    const random = this.random;
    for (let attempts = 4 * want + 64; frames.length < want && total > 0 && attempts > 0; attempts--) {
      let rank = random.int(total);
      let which = 0;
      while (rank >= eligible[which]!) rank -= eligible[which++]!;
      const component = components[which]!;
      const index = randomResident(component, random);
      if (index < 0) {
        total -= eligible[which]!;
        eligible[which] = 0;
        continue;
      }
      const page = component.logical[index]! & PAGE_MASK;
      if (frameOfWord(this.mapWords[page]!) < 0) continue; // paged out already, or being brought back
      frames.push(memory.pageOut(page));
      component.hostSwap.add(index, component.pattern.bucketOf(index, component.hot));
      eligible[which]!--;
      total--;
    }
    this.pagedOutPages += frames.length;
    outbox.push({ type: 'pagedOut', id: message.id, frames: Int32Array.from(frames) });
  }

  /**
   * The task of `component` (at `componentIndex`) touches its paged-out
   * pages this tick: each touch is a host swap fault; the page waits for its
   * frame. Stops when the task runs out of time.
   */
  touch(component: Component, componentIndex: number, task: TaskClock): void {
    const lists = component.hostSwap;
    const probability = component.pattern.touchProbability;
    const random = this.random;
    const logical = component.logical;
    const mapWords = this.mapWords;
    for (let bucket = 0; bucket < BUCKETS && lists.total > 0; bucket++) {
      const count = lists.counts[bucket]!;
      const p = probability[bucket]!;
      if (count === 0 || p === 0) continue;
      const expected = count * p;
      let faults = Math.floor(expected);
      if (random.next() < expected - faults) faults++;
      const isLive = (index: number): boolean => {
        if (index >= component.size) return false;
        const entry = logical[index]!;
        return entry >= 0 && frameOfWord(mapWords[entry & PAGE_MASK]!) === HOST_SWAPPED && component.pattern.bucketOf(index, component.hot) === bucket;
      };
      for (let i = 0; i < faults; i++) {
        if (task.remainingMs < this.faultMs) return;
        const index = lists.take(bucket, random, isLive);
        if (index < 0) break;
        const page = logical[index]! & PAGE_MASK;
        logical[index] = logical[index]! | REF_BIT;
        this.memory.markSwapInPending(page);
        lists.pending++;
        this.addPending(page, componentIndex, index);
        task.stall(this.faultMs);
        this.events.hostSwapFaults++;
      }
    }
  }

  /**
   * Asks the host for frames behind the pages touched so far (one request,
   * with an id from `nextId`), unless a request is still in flight (in
   * free-running mode the answer can come a step or more later): then the
   * pages touched meanwhile wait for the next one. Pages dropped since they
   * were touched (an OOM kill) are not asked for: their slots are freed.
   * From here until the answer reclaim leaves a page that waits for its frame
   * alone; a page dropped otherwise (a shrink, the OOM killer) becomes a free
   * page without a frame that the guest may not use until the answer
   * (GuestMemory.swapInDroppedPages), for the host may have granted it one.
   */
  askSwapIn(outbox: GuestToHost[], nextId: () => number): void {
    if (this.asking) return;
    let kept = 0;
    for (let i = 0; i < this.pendingCount; i++) {
      const page = this.pendingPages[i]!;
      if (frameOfWord(this.mapWords[page]!) !== SWAP_IN_PENDING) {
        this.memory.releaseSwapSlot(true);
        this.components[this.pendingComponents[i]!]!.hostSwap.pending--;
        continue;
      }
      this.pendingPages[kept] = page;
      this.pendingComponents[kept] = this.pendingComponents[i]!;
      this.pendingIndexes[kept] = this.pendingIndexes[i]!;
      kept++;
    }
    this.pendingCount = kept;
    if (kept === 0) return;
    this.askedCount = kept;
    this.asking = true;
    this.memory.swapInAsked = true;
    outbox.push({ type: 'request', id: nextId(), purpose: 'swapIn', pages: kept, withFrames: true });
  }

  /**
   * The host answered the swap-in request: granted frames back the pages in
   * the order they asked (a page dropped meanwhile gives its frame back, at
   * once: the host must not count it as the guest's when the guest balloons
   * that page without a frame later in the step); pages left without one are
   * paged out again (a dropped one frees its slot).
   */
  onSwapInGrant(grant: GrantMessage, outbox: GuestToHost[]): void {
    const memory = this.memory;
    const frames = framesOfRuns(grant.runs);
    const asked = this.askedCount;
    if (!this.asking || grant.pagesAsked !== asked || frames.length > asked) {
      throw new Error(`HostSwapUnit: a swap-in grant for ${grant.pagesAsked} pages (${frames.length} frames), ${this.asking ? `${asked} were asked for` : 'none was asked for'}`);
    }
    for (let i = 0; i < asked; i++) {
      const page = this.pendingPages[i]!;
      const stillPending = frameOfWord(this.mapWords[page]!) === SWAP_IN_PENDING;
      this.components[this.pendingComponents[i]!]!.hostSwap.pending--;
      if (i < frames.length) {
        this.swappedInPages++;
        if (stillPending) memory.resolveSwapIn(page, frames[i]!);
        else {
          memory.releaseSwapSlot(false);
          this.returnedFrames.push(frames[i]!);
        }
        continue;
      }
      if (!stillPending) {
        memory.releaseSwapSlot(true);
        continue;
      }
      memory.resolveSwapIn(page, null);
      const component = this.components[this.pendingComponents[i]!]!;
      const index = this.pendingIndexes[i]!;
      component.hostSwap.add(index, component.pattern.bucketOf(index, component.hot));
    }
    // Pages touched while the request was in flight wait for the next one.
    this.pendingPages.copyWithin(0, asked, this.pendingCount);
    this.pendingComponents.copyWithin(0, asked, this.pendingCount);
    this.pendingIndexes.copyWithin(0, asked, this.pendingCount);
    this.pendingCount -= asked;
    this.askedCount = 0;
    this.asking = false;
    // The frames of dropped pages go back (flush) before anything this step balloons or claims: their pages are the guest's to use again.
    this.flush(outbox);
    memory.swapInAsked = false;
    memory.swapInDroppedPages = 0;
  }

  /** End of the tick: tells the host which slots are free (and gives back unneeded frames); tidies the lists. */
  endTick(outbox: GuestToHost[]): void {
    this.flush(outbox);
    const mapWords = this.mapWords;
    for (const component of this.components) {
      if (component.hostSwap.total === 0 && component.hostSwap.bytes === 0) continue;
      const logical = component.logical;
      component.hostSwap.compact((index, bucket) => {
        if (index >= component.size) return false;
        const entry = logical[index]!;
        return entry >= 0 && frameOfWord(mapWords[entry & PAGE_MASK]!) === HOST_SWAPPED && component.pattern.bucketOf(index, component.hot) === bucket;
      });
    }
  }

  /** Sends what the host should hear: slots freed since the last message, and frames to give back. */
  private flush(outbox: GuestToHost[]): void {
    const memory = this.memory;
    if (memory.hostSwapDiscardedPages === 0 && memory.hostSwapReadPages === 0 && this.returnedFrames.length === 0) return;
    outbox.push({
      type: 'hostSwapRelease',
      discardedPages: memory.hostSwapDiscardedPages,
      readPages: memory.hostSwapReadPages,
      frames: Int32Array.from(this.returnedFrames),
    });
    memory.hostSwapDiscardedPages = 0;
    memory.hostSwapReadPages = 0;
    this.returnedFrames = [];
  }

  /** Checks the pending swap-ins (for tests): every page waiting for a frame was asked for (some asked for may have been dropped since). */
  selfCheck(): string[] {
    let waiting = 0;
    for (let i = 0; i < this.pendingCount; i++) if (frameOfWord(this.mapWords[this.pendingPages[i]!]!) === SWAP_IN_PENDING) waiting++;
    let marked = 0;
    for (let page = 0; page < this.mapWords.length; page++) if (frameOfWord(this.mapWords[page]!) === SWAP_IN_PENDING) marked++;
    return marked === waiting ? [] : [`${marked} pages wait for a swap-in, ${waiting} of the ${this.pendingCount} asked for do`];
  }

  private addPending(page: number, component: number, index: number): void {
    if (this.pendingCount === this.pendingPages.length) {
      const grow = (array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const grown = new Int32Array(array.length * 2);
        grown.set(array);
        return grown;
      };
      this.pendingPages = grow(this.pendingPages);
      this.pendingComponents = grow(this.pendingComponents);
      this.pendingIndexes = grow(this.pendingIndexes);
    }
    this.pendingPages[this.pendingCount] = page;
    this.pendingComponents[this.pendingCount] = component;
    this.pendingIndexes[this.pendingCount] = index;
    this.pendingCount++;
  }
}
