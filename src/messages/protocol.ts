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

/** Why the host asks for frames to be granted: to shrink the balloon, or to back pages the guest touches for the first time. */
export type GrantPurpose = 'deflate' | 'populate';

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
  /** Frames that back the guest's first pages (its kernel, or all of boot memory with eager backing). */
  frames: FrameBatch;
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
  frames: FrameBatch;
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

export type HostToGuest = BootMessage | SetTargetMessage | GrantMessage | ReleaseAckMessage;

// ---------------------------------------------------------------- guest to host

/** Inflate: the guest hands pages to the balloon and their frames to the host. */
export interface ReleaseMessage {
  type: 'release';
  id: number;
  /** Frames behind the ballooned pages; already unmapped by the guest. */
  frames: FrameBatch;
  /** Ballooned pages that had no frame behind them (never touched, or reported free). */
  unbackedPages: number;
}

/**
 * Deflate, or first touch: the guest asks for pages back from the balloon, or
 * for frames behind pages it touches for the first time.
 */
export interface RequestMessage {
  type: 'request';
  id: number;
  purpose: GrantPurpose;
  pages: number;
  /**
   * For a deflate: whether the pages come back with frames (Xen's
   * increase_reservation, Hyper-V) or without, to be backed when first
   * touched (virtio, VMware). A first-touch request always wants frames.
   */
  withFrames: boolean;
}

/** The guest's view of itself, sent every tick; hosts use it for policy views and reports. */
export interface StatusMessage {
  type: 'status';
  /** Pages the balloon holds. */
  balloonPages: number;
  /** Pages in use by kernel and workloads. */
  usedPages: number;
  /** Free pages, backed or not. */
  freePages: number;
}

export type GuestToHost = ReleaseMessage | RequestMessage | StatusMessage;
