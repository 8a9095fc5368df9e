import type { GuestToHost, PlugReplyMessage } from '../messages/protocol.js';
import type { GrowthReport } from '../messages/runtime.js';
import type { GrowthSpec } from '../model/scenario.js';
import type { GuestMemory } from './guest-memory.js';
import type { PageAllocator } from './page-allocator.js';
import { PageState } from './page-state.js';

/** Linux memory blocks are 128 MiB on x86-64: hotplug sections, and the unit virtio-mem onlines its 2 MiB blocks in. */
export const MEMORY_BLOCK_BYTES = 128 * 2 ** 20;
/** Most pages one plug request asks for (a limit on everything). */
const PLUG_PAGES_MAX = 1 << 24;

/** How a guest retries after a busy answer: first delay and largest delay, doubling in between. */
const RETRY_MS: Record<Exclude<GrowthSpec['kind'], 'reserved'>, { firstMs: number; maxMs: number }> = {
  // Linux virtio-mem: VIRTIO_MEM_RETRY_TIMER_MIN_MS 50 s, doubling up to 5 minutes.
  'virtio-mem': { firstMs: 50_000, maxMs: 300_000 },
  // Section hotplug has no busy answer of its own; the guest asks again as the balloon driver would.
  hotplug: { firstMs: 5_000, maxMs: 60_000 },
};

/** Pages coming online, in chunks: one buffer for every guest of a thread (guests step one at a time). */
const onlineScratch = new Int32Array(4096);

/** What the growth unit counts, for the report. */
export type GrowthCounters = Omit<GrowthReport, 'kind'>;

/** Counters of a guest that has not grown (nothing asked, nothing plugged). */
export function noGrowth(): GrowthCounters {
  return { requests: 0, pluggedPages: 0, onlinePages: 0, busyReplies: 0, failed: false, unpluggedPages: 0, unplugHeldPages: 0, lastOnlineMs: -1 };
}

/**
 * Growth past the boot size by memory hotplug, as the guest drives it. The
 * room above boot starts unpopulated; when the host's target is above the
 * guest's memory the guest asks the host to plug more (`plug`):
 *
 * - `hotplug` (Xen sections, Hyper-V hot-add): one 128 MiB section (the
 *   scenario's block) at a time, only when the balloon is empty (Xen adds
 *   sections once ballooning cannot give more), each online after the online
 *   delay before the next is asked for;
 * - `virtio-mem`: 2 MiB blocks (the block), all that the target asks at once,
 *   online after the online delay per 128 MiB memory block; and when the
 *   target falls below its memory, it unplugs blocks, but only from free
 *   memory: memory the workload holds stays plugged.
 *
 * The host answers ok, busy (the guest asks again later, with back-off), or
 * failed: growth is over for good (Hyper-V's reply of 0 pages). Plugged pages
 * come online as free pages without frames (backed on first touch).
 */
export class GrowthUnit {
  readonly counters: GrowthCounters = noGrowth();
  private readonly blockPages: number;
  private readonly chunkPages: number;
  private askedId = -1;
  private askedPages = 0;
  private onlineAtMs = -1;
  private onlinePending = 0;
  private retryAtMs = 0;
  private retryDelayMs = 0;

  constructor(
    readonly spec: GrowthSpec,
    private readonly memory: GuestMemory,
    private readonly allocator: PageAllocator,
    private readonly bootPages: number,
    frameBytes: number,
    private readonly nextId: () => number,
  ) {
    this.blockPages = Math.max(1, Math.floor(spec.blockBytes / frameBytes));
    this.chunkPages = Math.max(this.blockPages, Math.floor(MEMORY_BLOCK_BYTES / frameBytes));
    if (spec.kind !== 'reserved') this.retryDelayMs = RETRY_MS[spec.kind].firstMs;
  }

  /** Whether the room above boot is plugged memory (rather than a reserved range held by the balloon). */
  get hotplug(): boolean {
    return this.spec.kind !== 'reserved';
  }

  /** The memory the balloon answers for: virtio-mem's balloon covers boot memory only. */
  balloonBasePages(memoryPages: number): number {
    return this.spec.kind === 'virtio-mem' ? Math.min(memoryPages, this.bootPages) : memoryPages;
  }

  /**
   * One tick at `nowMs`: plugged memory whose online delay has passed comes
   * online; then the guest asks for more if its target is above its memory,
   * or (virtio-mem) unplugs free memory if the target is below it.
   */
  step(nowMs: number, tickMs: number, targetPages: number, balloonPages: number, outbox: GuestToHost[]): void {
    if (this.spec.kind === 'reserved') return;
    const memory = this.memory;
    if (this.onlinePending > 0 && nowMs + tickMs >= this.onlineAtMs) {
      const done = memory.online(this.onlinePending, onlineScratch);
      this.counters.onlinePages += done;
      this.counters.lastOnlineMs = Math.max(nowMs, this.onlineAtMs);
      this.onlinePending -= done;
    }
    if (this.askedId >= 0 || this.onlinePending > 0) return;
    const memoryPages = memory.pages - memory.count(PageState.UNPOPULATED);
    const room = memory.count(PageState.UNPOPULATED) - memory.onliningPages;
    if (targetPages > memoryPages) {
      this.counters.unplugHeldPages = 0;
      if (this.counters.failed || nowMs < this.retryAtMs || room <= 0) return;
      // Xen adds sections only once the balloon is empty.
      if (this.spec.kind === 'hotplug' && balloonPages > 0) return;
      const blocks = Math.ceil((targetPages - memoryPages) / this.blockPages);
      const limit = this.spec.kind === 'hotplug' ? this.blockPages : PLUG_PAGES_MAX;
      const pages = Math.min(blocks * this.blockPages, limit, room);
      this.askedId = this.nextId();
      this.askedPages = pages;
      this.counters.requests++;
      outbox.push({ type: 'plug', id: this.askedId, pages });
      return;
    }
    if (this.spec.kind === 'virtio-mem') this.unplug(nowMs, targetPages, memoryPages, outbox);
  }

  /** The host answered a plug. */
  onReply(reply: PlugReplyMessage, nowMs: number): void {
    if (reply.id !== this.askedId) throw new Error(`GrowthUnit: a plug reply ${reply.id}, the request in flight is ${this.askedId}`);
    this.askedId = -1;
    const kind = this.spec.kind;
    if (kind === 'reserved') return;
    switch (reply.status) {
      case 'ok': {
        if (reply.pages > this.askedPages) throw new Error(`GrowthUnit: the host plugged ${reply.pages} pages, ${this.askedPages} were asked for`);
        this.memory.plugged(reply.pages);
        this.onlinePending += reply.pages;
        this.counters.pluggedPages += reply.pages;
        this.onlineAtMs = nowMs + (this.spec.onlineDelayMs * reply.pages) / this.chunkPages;
        this.retryDelayMs = RETRY_MS[kind].firstMs;
        return;
      }
      case 'busy':
        this.counters.busyReplies++;
        this.retryAtMs = nowMs + this.retryDelayMs;
        this.retryDelayMs = Math.min(RETRY_MS[kind].maxMs, this.retryDelayMs * 2);
        return;
      case 'failed':
        this.counters.failed = true;
        return;
    }
  }

  /**
   * virtio-mem: gives back plugged blocks that are entirely free (Linux
   * offlines and unplugs only what it can take whole: a block with one page
   * in use stays plugged), highest first, down to the target but never
   * below boot memory, and not below the high watermark (no reclaim). Free
   * pages scattered over blocks the workload uses are not enough. When no
   * block is free it tries again later, backing off as virtio-mem's retry
   * timer does.
   */
  private unplug(nowMs: number, targetPages: number, memoryPages: number, outbox: GuestToHost[]): void {
    const plugged = memoryPages - this.bootPages;
    const wanted = Math.min(plugged, memoryPages - Math.max(targetPages, this.bootPages));
    if (wanted <= 0) {
      this.counters.unplugHeldPages = 0;
      this.unplugRetryMs = RETRY_MS['virtio-mem'].firstMs;
      return;
    }
    // A new requested size (a config change) runs the work at once; otherwise the retry timer decides.
    if (targetPages !== this.unplugTargetPages) {
      this.unplugTargetPages = targetPages;
      this.unplugRetryAtMs = 0;
    }
    if (nowMs < this.unplugRetryAtMs) return;
    const allocator = this.allocator;
    const memory = this.memory;
    const block = this.blockPages;
    let room = Math.min(wanted, Math.max(0, allocator.availablePages - allocator.watermarks.highPages));
    let unbackedRoom = allocator.unbackedSparePages;
    const base = this.bootPages;
    const blocks = Math.floor((memory.pages - base) / block);
    const chosen = this.chosenBlocks.length >= blocks ? this.chosenBlocks : (this.chosenBlocks = new Uint8Array(blocks));
    chosen.fill(0, 0, blocks);
    let pages = 0;
    for (let b = blocks - 1; b >= 0 && room >= block; b--) {
      const first = base + b * block;
      let unbacked = 0;
      let whole = true;
      for (let page = first; page < first + block; page++) {
        const state = memory.stateOf(page);
        if (state === PageState.FREE_UNBACKED) unbacked++;
        else if (state !== PageState.FREE) {
          whole = false;
          break;
        }
        if (memory.inStackRange(state, page)) {
          whole = false;
          break;
        }
      }
      if (!whole || unbacked > unbackedRoom) continue;
      chosen[b] = 1;
      unbackedRoom -= unbacked;
      room -= block;
      pages += block;
    }
    this.counters.unplugHeldPages = wanted - pages;
    if (pages === 0) {
      this.unplugRetryAtMs = nowMs + this.unplugRetryMs;
      this.unplugRetryMs = Math.min(RETRY_MS['virtio-mem'].maxMs, this.unplugRetryMs * 2);
      return;
    }
    this.unplugRetryMs = RETRY_MS['virtio-mem'].firstMs;
    const marked = (page: number): boolean => page >= base && chosen[Math.floor((page - base) / block)] === 1;
    const taken = new Int32Array(pages);
    const backed = memory.takeMarked(PageState.FREE, marked, taken);
    const frames = new Int32Array(backed);
    for (let i = 0; i < backed; i++) frames[i] = memory.unmap(taken[i]!);
    memory.putMany(taken, 0, backed, PageState.FREE, PageState.UNPOPULATED);
    const unbacked = memory.takeMarked(PageState.FREE_UNBACKED, marked, taken);
    memory.putMany(taken, 0, unbacked, PageState.FREE_UNBACKED, PageState.UNPOPULATED);
    if (backed + unbacked !== pages) throw new Error(`GrowthUnit.unplug: ${pages} pages of free blocks, ${backed + unbacked} found on the free lists`);
    this.counters.unpluggedPages += pages;
    outbox.push({ type: 'unplug', id: this.nextId(), frames, unbackedPages: unbacked });
  }

  /** Blocks chosen for an unplug (scratch), and when to try again after finding none. */
  private chosenBlocks = new Uint8Array(0);
  private unplugRetryAtMs = 0;
  private unplugTargetPages = -1;
  private unplugRetryMs = RETRY_MS['virtio-mem'].firstMs;
}
