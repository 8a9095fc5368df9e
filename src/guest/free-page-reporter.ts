import type { GuestToHost, ReportAckMessage } from '../messages/protocol.js';
import type { GuestMemory } from './guest-memory.js';
import type { PageAllocator } from './page-allocator.js';
import { PageState } from './page-state.js';
import type { VmEvents } from './vm-events.js';

/** A pass every 2 s (page_reporting's delay). */
export const REPORTING_INTERVAL_MS = 2000;
/** Blocks per report (PAGE_REPORTING_CAPACITY). */
export const BLOCKS_PER_REPORT = 32;
/** Reported blocks are at least 2 MiB (pageblock order). */
export const REPORTED_BLOCK_BYTES = 2 * 2 ** 20;
/** At most this many reports per pass: a limit on everything. */
const REPORTS_PER_PASS_MAX = 1024;

/**
 * Free page reporting (virtio): every 2 s, while free memory is above the low
 * watermark plus 32 blocks, the guest gives the frames behind free blocks of
 * 2 MiB back to the host, at most 32 blocks per report. The pages stay free in
 * the guest, now without a frame; when the guest needs one again it asks the
 * host for a frame, as for any page it touches first. (The model does not
 * track physical contiguity: a block is any 2 MiB worth of free backed pages.)
 */
export class FreePageReporter {
  private nextPassMs = REPORTING_INTERVAL_MS;
  private readonly blockPages: number;

  constructor(
    private readonly memory: GuestMemory,
    private readonly allocator: PageAllocator,
    private readonly events: VmEvents,
    frameBytes: number,
    private readonly nextId: () => number,
  ) {
    this.blockPages = Math.max(1, Math.floor(REPORTED_BLOCK_BYTES / frameBytes));
  }

  /** Runs a reporting pass if one is due; appends its reports to `outbox`. */
  step(nowMs: number, outbox: GuestToHost[]): void {
    if (nowMs < this.nextPassMs) return;
    this.nextPassMs = nowMs + REPORTING_INTERVAL_MS;
    const block = this.blockPages;
    const threshold = this.allocator.watermarks.lowPages + BLOCKS_PER_REPORT * block;
    for (let report = 0; report < REPORTS_PER_PASS_MAX; report++) {
      const aboveThreshold = this.allocator.availablePages - threshold;
      const blocks = Math.min(BLOCKS_PER_REPORT, Math.floor(this.memory.count(PageState.FREE) / block), Math.floor(aboveThreshold / block));
      if (blocks <= 0) return;
      const frames = new Int32Array(blocks * block);
      const memory = this.memory;
      // Run by run: the pages `take` would give one by one, each one's frame into `frames`.
      for (let done = 0; done < frames.length; ) {
        const got = memory.takeRun(PageState.FREE, frames.length - done);
        if (got === 0) throw new Error('FreePageReporter: the free list ran out while reporting');
        memory.unmapPageRun(memory.runFirst, memory.runStep, got, frames, done);
        memory.putRun(memory.runFirst, got, memory.runStep, PageState.FREE, PageState.FREE_UNBACKED);
        done += got;
      }
      outbox.push({ type: 'freePageReport', id: this.nextId(), frames });
      this.events.reportedFreePages += frames.length;
    }
  }

  /** The host's answer: frames it did not take go back behind free pages. */
  onReportAck(ack: ReportAckMessage): void {
    const done = this.memory.mapFramesBehind(ack.refusedFrames, PageState.FREE_UNBACKED, PageState.FREE);
    this.events.reportedFreePages -= done;
    if (done < ack.refusedFrames.length) throw new Error(`FreePageReporter: report ${ack.id} refused a frame but no free page lacks one`);
  }
}
