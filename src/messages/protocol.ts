/**
 * The balloon protocol between the hypervisor and one guest: types only.
 *
 * One tagged union per direction. Every message has a `type`; a reply carries
 * the `id` of the request it answers. Frame numbers travel in batches, as
 * `Int32Array`s of host frame numbers (at most the driver's batch size each).
 *
 * Ownership rules the protocol relies on (DESIGN.md, invariants 1 to 6):
 * - Only the hypervisor changes the frame ownership table.
 * - A guest unmaps a page's frame before it names the frame in a `release`, and
 *   maps a frame only after a `grant` (or `boot`) has named it.
 * - The hypervisor changes the owner of a released frame only after checking
 *   that the sender owns it, that it is in range and that it appears once; it
 *   refuses the rest and leaves them with the guest.
 */

/** Bumped whenever a message changes shape. */
export type ProtocolVersion = 1;

/** Host frame numbers, one per entry. */
export type FrameBatch = Int32Array;

/**
 * Runs of contiguous host frames: pairs (first frame, count), so that a grant
 * of a million contiguous frames is two numbers. The host grants in runs; a
 * guest names the frames it gives back one by one (a PFN list, as virtio does).
 */
export type FrameRuns = Int32Array;

/** Frames in a list of runs. */
export function framesInRuns(runs: FrameRuns): number {
  let frames = 0;
  for (let i = 1; i < runs.length; i += 2) frames += runs[i]!;
  return frames;
}

/** The frames of runs one by one, in order (for the few places that need them singly). */
export function framesOfRuns(runs: FrameRuns): Int32Array {
  const frames = new Int32Array(framesInRuns(runs));
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) {
    for (let k = 0; k < runs[i + 1]!; k++) frames[at++] = runs[i]! + k;
  }
  return frames;
}

/**
 * Why the host grants frames: to shrink the balloon (`deflate`), to back
 * pages the guest touches for the first time (`populate`), or to bring back
 * pages the host paged out to its own swap (`swapIn`).
 */
export type GrantPurpose = 'deflate' | 'populate' | 'swapIn';

/**
 * Host free-memory states, as in ESX (Waldspurger 2002), from plenty to none:
 * - `high`: no reclaim;
 * - `soft`: the host balloons guests until free memory is back at the high threshold;
 * - `hard`: the host also pages guest memory out behind the guests' backs (host paging);
 * - `low`: as hard, and guests above their target get no new frames.
 * The memory manager sets it each tick; device sides act on it.
 */
export type FreeMemoryState = 'high' | 'soft' | 'hard' | 'low';

/** Why the host refused a frame or a request. */
export type RefusalReason =
  | 'not-owned'
  | 'out-of-range'
  | 'repeated'
  | 'malformed'
  | 'over-limit'
  | 'host-busy'
  | 'quarantined'
  | 'version';

// ---------------------------------------------------------------- host to guest

/** First message to a guest: the protocol version, its identity and its boot frames. */
export interface BootMessage {
  type: 'boot';
  version: ProtocolVersion;
  /** Value of this guest's entries in the frame ownership table. */
  ownerId: number;
  /** Frames that back the guest's first pages (its kernel, or all of boot memory with eager backing), as runs. */
  runs: FrameRuns;
  /** Guest size the host wants, in pages. */
  targetPages: number;
}

/** The host's wanted guest size, in pages (balloon size = guest memory - target). */
export interface SetTargetMessage {
  type: 'setTarget';
  targetPages: number;
}

/** Frames (or unbacked pages) granted for a `request`; possibly fewer than asked, possibly none. */
export interface GrantMessage {
  type: 'grant';
  id: number;
  purpose: GrantPurpose;
  /** How many pages the request asked for. */
  pagesAsked: number;
  /** The frames granted, as runs. */
  runs: FrameRuns;
  /** Balloon pages the guest may take back without a frame (a deflate that asked for none). */
  unbackedPages: number;
  /** Set when fewer frames than asked are granted. */
  shortBecause?: RefusalReason;
}

/** The host's answer to a `release`. */
export interface ReleaseAckMessage {
  type: 'releaseAck';
  id: number;
  /** Frames whose ownership moved to the host. */
  acceptedFrames: number;
  /** Valid frames the host chose not to take (a host may refuse single pages); the guest still owns them. */
  refusedFrames: FrameBatch;
  /**
   * Frame numbers that were not the sender's to give: out of range, owned by
   * someone else, or named twice. They stay where they were and are counted
   * as protocol violations; they are not handed back.
   */
  invalidFrames: number;
  /** Why the first frame (or the unbacked count) was refused or found invalid. */
  refusedBecause?: RefusalReason;
  /** Unbacked pages accepted into the balloon. */
  acceptedUnbackedPages: number;
}

/** The host's answer to a `freePageReport`. */
export interface ReportAckMessage {
  type: 'reportAck';
  id: number;
  /** Frames whose ownership moved to the host. */
  acceptedFrames: number;
  /** Valid frames the host chose not to take; the guest still owns them and puts them back behind free pages. */
  refusedFrames: FrameBatch;
  /** Frame numbers that were not the sender's to give (counted as protocol violations, not handed back). */
  invalidFrames: number;
  refusedBecause?: RefusalReason;
}

/**
 * Active-memory sampling (ESX): the host starts a sampling period. The guest
 * picks `pages` random pages of its memory now and, at the end of the
 * period, answers with an `activeSample` saying how many were touched.
 */
export interface SampleActiveMessage {
  type: 'sampleActive';
  id: number;
  pages: number;
  periodMs: number;
}

/**
 * Host paging (the ESX hard and low states): the host takes up to `pages`
 * frames behind the guest's back, paging their contents to host swap. The
 * guest's memory-management unit (not its kernel) picks random pages with
 * contents, unmaps them and names their frames in a `pagedOut`; the pages
 * keep their state, and touching one later is a host swap fault.
 */
export interface PageOutMessage {
  type: 'pageOut';
  id: number;
  pages: number;
}

/** How the host answered a `plug`: done, busy (ask again later), or failed for good. */
export type PlugStatus = 'ok' | 'busy' | 'failed';

/**
 * The host's answer to a `plug` (memory hotplug, virtio-mem): `pages` of the
 * address space are now the guest's to bring online (0 unless `ok`; a reply
 * of 0 pages is a permanent failure, as in Hyper-V).
 */
export interface PlugReplyMessage {
  type: 'plugReply';
  id: number;
  pages: number;
  status: PlugStatus;
}

export type HostToGuest =
  | BootMessage
  | SetTargetMessage
  | GrantMessage
  | ReleaseAckMessage
  | ReportAckMessage
  | SampleActiveMessage
  | PageOutMessage
  | PlugReplyMessage;

// ---------------------------------------------------------------- guest to host

/** Inflate: the guest hands pages to the balloon and their frames to the host. */
export interface ReleaseMessage {
  type: 'release';
  id: number;
  /**
   * Frames behind the ballooned pages; already unmapped by the guest. The
   * batch may be a view of the driver's own buffer: valid until the guest's
   * next step (the device side reads it before that).
   */
  frames: FrameBatch;
  /** Ballooned pages that had no frame behind them (never touched, or reported free). */
  unbackedPages: number;
  /**
   * How many of the first frames belong to 2 MiB pages (VMware and Hyper-V try
   * those first); the host refuses single pages only (absent: 0).
   */
  largeFrames?: number;
}

/**
 * Deflate, first touch or swap-in: the guest asks for pages back from the
 * balloon, for frames behind pages it touches for the first time, or for
 * frames behind pages the host paged out that it touched (a host swap fault;
 * at most one swap-in request is outstanding, answered before the guest's
 * next step).
 */
export interface RequestMessage {
  type: 'request';
  id: number;
  purpose: GrantPurpose;
  pages: number;
  /**
   * For a deflate: whether the pages come back with frames (Xen's
   * increase_reservation, Hyper-V) or without, to be backed when first
   * touched (virtio, VMware). A first-touch or swap-in request always wants frames.
   */
  withFrames: boolean;
}

/** Why a guest says it is desperately short of memory. */
export type DistressReason = 'stall' | 'oom';

/** "I am desperately short of memory": full stall above its threshold, or an allocation that reached the OOM path. */
export interface DistressMessage {
  type: 'distress';
  reason: DistressReason;
  /** The guest's `full` pressure-stall average over 10 s (0 to 1). */
  fullAvg10: number;
  availablePages: number;
}

/**
 * Free page reporting: free guest pages whose frames the guest gives back to
 * the host (already unmapped). The pages stay the guest's, free and unbacked;
 * touching one later asks the host for a frame.
 */
export interface FreePageReportMessage {
  type: 'freePageReport';
  id: number;
  frames: FrameBatch;
}

/**
 * Deflate-on-OOM (virtio DEFLATE_ON_OOM): the guest's OOM notifier took
 * `pages` pages back from the balloon, unbacked, at once. The host's target is
 * unchanged; no reply.
 */
export interface OomDeflateMessage {
  type: 'oomDeflate';
  pages: number;
}

/** The end of an active-memory sampling period: `touchedPages` of the `sampledPages` sampled were touched during it. */
export interface ActiveSampleMessage {
  type: 'activeSample';
  /** The id of the `sampleActive` it answers. */
  id: number;
  sampledPages: number;
  touchedPages: number;
}

/** The frames behind the pages a `pageOut` took (already unmapped); their contents are in host swap now. */
export interface PagedOutMessage {
  type: 'pagedOut';
  /** The id of the `pageOut` it answers. */
  id: number;
  frames: FrameBatch;
}

/**
 * Host swap the guest no longer needs: `discardedPages` paged-out pages whose
 * contents the guest dropped without reading them (freed memory, dropped page
 * cache, ballooned pages), `readPages` paged-out pages it read and then
 * dropped (double paging: the guest swapped out a page the host had paged
 * out), and `frames` granted for swap-ins of pages that were dropped before
 * the frames came (given back).
 */
export interface HostSwapReleaseMessage {
  type: 'hostSwapRelease';
  discardedPages: number;
  readPages: number;
  frames: FrameBatch;
}

/**
 * Growth past the boot size (memory hotplug, virtio-mem): the guest asks to
 * plug `pages` more pages of its address space. The host answers with a
 * `plugReply`; plugged pages come online after the guest's online delay, as
 * free pages without frames.
 */
export interface PlugMessage {
  type: 'plug';
  id: number;
  pages: number;
}

/**
 * virtio-mem unplug: the guest took free pages out of its memory (they are
 * unpopulated again) and gives back the frames that were behind some of them
 * (already unmapped); `unbackedPages` had none.
 */
export interface UnplugMessage {
  type: 'unplug';
  id: number;
  frames: FrameBatch;
  unbackedPages: number;
}

export type GuestToHost =
  | ReleaseMessage
  | RequestMessage
  | DistressMessage
  | FreePageReportMessage
  | OomDeflateMessage
  | ActiveSampleMessage
  | PagedOutMessage
  | HostSwapReleaseMessage
  | PlugMessage
  | UnplugMessage;
