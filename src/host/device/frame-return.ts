import type { RefusalReason } from '../../messages/protocol.js';
import type { FrameTable } from '../frame-table.js';
import type { ShardPool } from './shard-pool.js';

/** What became of the frames a guest gave back. */
export interface FrameReturn {
  /** Frames moved to the host's pool. */
  accepted: number;
  /** Valid frames the host chose not to take (the guest keeps them). */
  refused: number[];
  /** Frame numbers that were not the sender's to give: out of range, not its own, or named twice. */
  invalid: number;
  invalidBecause: RefusalReason | undefined;
}

/**
 * Takes back frames a guest names as its own (a release, a free page report).
 * Each frame moves to the shard's pool with one compare-exchange from the
 * sender's owner id to the pool's free value, which is both the ownership
 * check and the move (a false claim
 * leaves the table unchanged: `tryTransfer` does not count it as the host's
 * failure, the caller charges the guest). While every frame is good this is a
 * tight loop; at the first bad or refusable frame the rest goes through a
 * slower loop that remembers what this batch gave back, to tell a repeated
 * frame from one that is not the sender's.
 *
 * `refuses(frame, position)` says whether the host declines a valid frame
 * (VMware's host may refuse single pages): such a frame stays the guest's and
 * is listed in `refused`.
 */
export function takeBackFrames(
  table: FrameTable,
  pool: ShardPool,
  ownerId: number,
  frames: Int32Array,
  refuses: ((frame: number, position: number) => boolean) | null,
): FrameReturn {
  const limit = table.frames;
  const freeOwner = pool.freeOwner;
  let accepted = 0;
  let i = 0;
  for (; i < frames.length; i++) {
    const frame = frames[i]!;
    if (frame < 0 || frame >= limit || (refuses !== null && refuses(frame, i)) || !table.tryTransfer(frame, ownerId, freeOwner)) break;
    pool.putBack(frame);
    accepted++;
  }
  const refused: number[] = [];
  let invalid = 0;
  let invalidBecause: RefusalReason | undefined;
  if (i === frames.length) return { accepted, refused, invalid, invalidBecause };
  const named = new Set<number>(frames.subarray(0, i));
  for (; i < frames.length; i++) {
    const frame = frames[i]!;
    let reason: RefusalReason;
    if (frame < 0 || frame >= limit) reason = 'out-of-range';
    else if (named.has(frame)) reason = 'repeated';
    else if (refuses !== null && refuses(frame, i) && table.ownerOf(frame) === ownerId) {
      named.add(frame);
      refused.push(frame);
      continue;
    } else if (table.tryTransfer(frame, ownerId, freeOwner)) {
      pool.putBack(frame);
      named.add(frame);
      accepted++;
      continue;
    } else reason = 'not-owned';
    invalid++;
    invalidBecause ??= reason;
  }
  return { accepted, refused, invalid, invalidBecause };
}
