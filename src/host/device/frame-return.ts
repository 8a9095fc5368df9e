import type { RefusalReason } from '../../messages/protocol.js';
import type { FrameTable } from '../frame-table.js';
import type { ShardPool } from './shard-pool.js';

/** What became of the frames a guest gave back. */
export interface FrameReturn {
  /** Frames moved to the host's pool. */
  accepted: number;
  /** Valid frames the host chose not to take (the guest keeps them). */
  refused: readonly number[];
  /** Frame numbers that were not the sender's to give: out of range, not its own, or named twice. */
  invalid: number;
  invalidBecause: RefusalReason | undefined;
  /**
   * Runs of frames the tight loop moved with one table call each (frames
   * named in a row going up or down by one; a lone frame is a run of one).
   * The frames after the first bad one, taken one by one, are not counted.
   * Only how the work was done: tests hold the tight loop to runs by it.
   */
  runs: number;
}

/** The refused list of a batch the tight loop took whole (shared: nobody writes it). */
const NONE_REFUSED: readonly number[] = Object.freeze([]);

/** A FrameReturn to pass to `takeBackFrames` again and again (a hot caller keeps one instead of getting a new object per message). */
export function emptyFrameReturn(): FrameReturn {
  return { accepted: 0, refused: NONE_REFUSED, invalid: 0, invalidBecause: undefined, runs: 0 };
}

/**
 * Takes back frames a guest names as its own (a release, a free page report).
 * Each frame moves to the shard's pool with one compare-exchange from the
 * sender's owner id to the pool's free value, which is both the ownership
 * check and the move (a false claim leaves the table unchanged: it is not
 * counted as the host's failure, the caller charges the guest). While every
 * frame is good this is a tight loop, which moves frames named in a row
 * going up or down by one (a balloon gives back runs) as a run: the same
 * exchanges in the same order (`tryTransferRun`). At the first bad or
 * refusable frame the rest goes through a slower loop that remembers what
 * this batch gave back, to tell a repeated frame from one that is not the
 * sender's.
 *
 * `refuses(frame, position)` says whether the host declines a valid frame
 * (VMware's host may refuse single pages): such a frame stays the guest's and
 * is listed in `refused`. The tight loop moves the frames of a run up to the
 * first one it refuses, so `refuses` is asked about a run's frames before
 * they move, and may be asked again about a frame the slower loop then
 * takes: it must answer the same whenever it is asked (VMware's is a hash).
 *
 * The answer is written into `out` (a new object unless the caller passes
 * one to reuse) and returned.
 */
export function takeBackFrames(
  table: FrameTable,
  pool: ShardPool,
  ownerId: number,
  frames: Int32Array,
  refuses: ((frame: number, position: number) => boolean) | null,
  out: FrameReturn = emptyFrameReturn(),
): FrameReturn {
  const limit = table.frames;
  const freeOwner = pool.freeOwner;
  let accepted = 0;
  let runs = 0;
  let i = 0;
  while (i < frames.length) {
    // Frames named in a row going up or down by one (a balloon gives back runs): moved as one run, up to a refused frame.
    const run = runAt(frames, i, limit);
    if (run === 0) break;
    const count = Math.abs(run);
    const taken = refuses === null ? count : notRefused(frames, i, count, refuses);
    if (taken === 0) break;
    const frame = frames[i]!;
    const step = run < 0 ? -1 : 1;
    const moved = table.tryTransferRun(frame, taken, step, ownerId, freeOwner);
    runs++;
    pool.putBackRun(frame, moved, step);
    accepted += moved;
    i += moved;
    if (moved < count) break;
  }
  if (i === frames.length) return filled(out, accepted, NONE_REFUSED, 0, undefined, runs);
  const refused: number[] = [];
  let invalid = 0;
  let invalidBecause: RefusalReason | undefined;
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
  return filled(out, accepted, refused, invalid, invalidBecause, runs);
}

function filled(out: FrameReturn, accepted: number, refused: readonly number[], invalid: number, invalidBecause: RefusalReason | undefined, runs: number): FrameReturn {
  out.accepted = accepted;
  out.refused = refused;
  out.invalid = invalid;
  out.invalidBecause = invalidBecause;
  out.runs = runs;
  return out;
}

/** How many of the `count` frames from `frames[i]` on the host takes before the first it refuses. */
function notRefused(frames: Int32Array, i: number, count: number, refuses: (frame: number, position: number) => boolean): number {
  let taken = 0;
  while (taken < count && !refuses(frames[i + taken]!, i + taken)) taken++;
  return taken;
}

/**
 * The run at `frames[i]`: how many frames from there go up or down by one in
 * a row, all inside [0, limit), negative for a run going down (a lone frame
 * is a run of 1); 0 if `frames[i]` itself is out of range.
 */
export function runAt(frames: Int32Array, i: number, limit: number): number {
  const first = frames[i]!;
  if (first < 0 || first >= limit) return 0;
  if (i + 1 === frames.length) return 1;
  const step = frames[i + 1]! - first;
  if (step !== 1 && step !== -1) return 1;
  // The run ends at the table's edge or at the list's end, whichever comes first: one bound, one compare per frame.
  const end = i + Math.min(step === 1 ? limit - first : first + 1, frames.length - i);
  let at = i + 1;
  let next = first + step;
  while (at < end && frames[at] === next) {
    at++;
    next += step;
  }
  return (at - i) * step;
}
