/**
 * The guest's OOM path, reached when an allocation finds nothing to take or
 * reclaim: deflate-on-OOM (the balloon gives back 1 MiB at once, the host's
 * target unchanged) if the driver has it, otherwise the OOM killer.
 */
import { OOM_DEFLATE_MESSAGES_PER_TICK_MAX, OOM_DEFLATE_PAGES_MAX } from '../messages/limits.js';
import type { GuestToHost, OomDeflateMessage } from '../messages/protocol.js';
import type { GuestParts } from './guest-parts.js';
import type { TaskClock } from './page-allocator.js';

/** What the balloon gives back on each OOM event with deflate-on-OOM: 1 MiB (virtio's 256 pages of 4 KiB). */
export const OOM_DEFLATE_BYTES = 2 ** 20;

/** Time an OOM event costs the allocating task: reclaim retries, the notifier chain, the kill (about 50 events a second were measured). */
export const OOM_EVENT_MS = 20;

export class OomPath {
  /** Whether an allocation reached the OOM path in the tick being stepped. */
  reachedThisTick = false;
  private readonly deflatePages: number;
  /** This tick's oomDeflate messages, and the last of them. */
  private messagesThisTick = 0;
  private lastMessage: OomDeflateMessage | null = null;

  constructor(private readonly parts: GuestParts) {
    this.deflatePages = Math.max(1, Math.floor(OOM_DEFLATE_BYTES / parts.frameBytes));
  }

  /** A new tick: nothing has reached the OOM path yet. */
  beginTick(): void {
    this.reachedThisTick = false;
    this.messagesThisTick = 0;
    this.lastMessage = null;
  }

  /**
   * An OOM event at `nowMs`: deflate-on-OOM gives back 1 MiB from the balloon
   * and tells the host in `outbox` (the pages may be allocated at once);
   * otherwise the OOM killer kills the largest component. Returns whether
   * anything was done.
   */
  handle(task: TaskClock | null, nowMs: number, outbox: GuestToHost[]): boolean {
    const { events, driver, allocator, workload } = this.parts;
    events.oomEvents++;
    this.reachedThisTick = true;
    if (this.parts.deflateOnOom) {
      const pages = driver.deflateForOom(this.deflatePages);
      if (pages > 0) {
        const last = this.lastMessage;
        if (this.messagesThisTick >= OOM_DEFLATE_MESSAGES_PER_TICK_MAX && last !== null && last.pages + pages <= OOM_DEFLATE_PAGES_MAX) last.pages += pages;
        else {
          this.lastMessage = { type: 'oomDeflate', pages };
          outbox.push(this.lastMessage);
          this.messagesThisTick++;
        }
        events.deflateOnOomPages += pages;
        allocator.oomReservePages += pages;
        task?.stall(OOM_EVENT_MS);
        return true;
      }
    }
    if (workload.killLargest(nowMs) === null) return false;
    events.oomKills++;
    task?.stall(OOM_EVENT_MS);
    return true;
  }
}
