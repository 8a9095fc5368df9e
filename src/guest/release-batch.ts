/**
 * The inflate batch the balloon driver is building: the frames behind the
 * pages it took (and a count of pages it took without a frame), sealed into
 * one `release` message when full. Releases carry a view of their batch, not
 * a copy, so the batches of one step live side by side in one arena. The
 * batch is built in the arena itself, from an offset: sealing makes the one
 * view the release carries, and nothing else is allocated in the steady state.
 */
import { FRAMES_PER_MESSAGE_MAX } from '../messages/limits.js';
import type { ReleaseMessage } from '../messages/protocol.js';
import { threadArenaPool, type ArenaPool } from './arena-pool.js';

/** A page for the batch that has no frame behind it: it is in the balloon, and counts as an unbacked page of the release. */
export const UNBACKED = -20;
/** No page could be taken. */
export const NONE = -21;
/** Full messages one arena holds. */
const ARENA_MESSAGES = 4;

/**
 * One batch at a time, in the arena after the batches already sent this
 * step (room for `capacity` frames is always left there). The views sent
 * stay valid until the next step, by when the device side has read them.
 *
 * Arenas all have one size (four full messages). A step that sends more
 * takes further arenas from the pool as it fills them, and gives them back
 * at its next step: a burst of inflation borrows what it needs for one step,
 * and the pool, holding arenas of one size, always has the right one for the
 * next guest that bursts. (Arenas that doubled at each step of a burst came
 * in sizes the pool rarely had: stress-1000 allocated 960 MB of them, and
 * the collector ran for that memory.)
 */
export class ReleaseBatch {
  /** The arena the batch is built in: the batch's frames are `arena[start .. start + backed)`. */
  arena: Int32Array;
  /** Where the batch's frames start in the arena (after the batches sent this step). */
  start = 0;
  /** Frames in the batch. */
  backed = 0;
  /** Pages in the batch without a frame. */
  unbacked = 0;
  /** Balloon entries in the batch (a 2 MiB page is one). */
  entries = 0;
  private large = false;
  /** Arenas filled this step: releases of the step are views of them until the next step. */
  private readonly filled: Int32Array[] = [];
  /** Whether a batch was sealed this step: newStep has nothing to do when not. */
  private sentThisStep = false;
  private readonly capacity: number;

  /** `pool`: where filled arenas go and further ones come from (arena-pool.ts). */
  constructor(
    batchPages: number,
    private readonly pool: ArenaPool = threadArenaPool,
  ) {
    this.capacity = Math.max(batchPages, FRAMES_PER_MESSAGE_MAX);
    this.arena = new Int32Array(ARENA_MESSAGES * this.capacity);
  }

  /**
   * A new step: the last step's releases have been read, their batches' room
   * is free again, and the arenas filled in it go to the pool. A step that
   * sent nothing left nothing to do: this runs for every guest every tick,
   * and then reads this object only.
   */
  newStep(): void {
    if (!this.sentThisStep) return;
    for (const arena of this.filled) this.pool.give(arena);
    this.filled.length = 0;
    this.start = 0;
    this.sentThisStep = false;
  }

  /** Starts an empty batch, of 2 MiB pages (`large`) or single pages. */
  begin(large: boolean): void {
    this.backed = 0;
    this.unbacked = 0;
    this.entries = 0;
    this.large = large;
  }

  /** A page's frame, or UNBACKED, into the batch (not counted as an entry: the caller counts entries). */
  add(frame: number): void {
    if (frame === UNBACKED) this.unbacked++;
    else if (frame >= 0) this.arena[this.start + this.backed++] = frame;
    else throw new Error('BalloonDriver: a page for the batch could not be taken');
  }

  /** Pages in the batch, with a frame or without. */
  get pages(): number {
    return this.backed + this.unbacked;
  }

  /** The batch as release `id` (a view of its frames), the batch moved past it; the batch is empty after. */
  seal(id: number): ReleaseMessage {
    const frames = this.arena.subarray(this.start, this.start + this.backed);
    this.nextWindow();
    const release: ReleaseMessage = { type: 'release', id, frames, unbackedPages: this.unbacked };
    if (this.large) release.largeFrames = frames.length;
    this.backed = 0;
    this.unbacked = 0;
    return release;
  }

  /** Moves the start past the batch just sealed, into a further arena when this one has no room for another. */
  private nextWindow(): void {
    this.sentThisStep = true;
    this.start += this.backed;
    if (this.start + this.capacity > this.arena.length) {
      // The filled arena stays alive through the views already sent (the pool has it from the next step).
      this.filled.push(this.arena);
      this.arena = this.pool.take(ARENA_MESSAGES * this.capacity);
      this.start = 0;
    }
  }
}
