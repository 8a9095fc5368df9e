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
/** Steps in a row that fit in an arena's first size before a grown arena is given up. */
const ARENA_IDLE_STEPS = 8;

/**
 * One batch at a time, in the arena after the batches already sent this
 * step (room for `capacity` frames is always left there). The views sent
 * stay valid until the next step, by when the device side has read them.
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
  /** Frames this step has put in the arena (in this one and any it outgrew). */
  private arenaUsedMost = 0;
  /** Steps in a row that fitted in the arena's first size. */
  private arenaQuietSteps = 0;
  /** Arenas outgrown this step: releases of the step are views of them until the next step. */
  private readonly outgrown: Int32Array[] = [];
  /** Whether a batch was sealed this step, and whether the arena is larger than its first size: newStep has nothing to do when neither. */
  private sentThisStep = false;
  private grown = false;
  private readonly capacity: number;

  /** `pool`: where outgrown and given-up arenas go, and grown ones come from (arena-pool.ts). */
  constructor(
    batchPages: number,
    private readonly pool: ArenaPool = threadArenaPool,
  ) {
    this.capacity = Math.max(batchPages, FRAMES_PER_MESSAGE_MAX);
    this.arena = new Int32Array(4 * this.capacity);
  }

  /**
   * A new step: the last step's releases have been read, their batches' room
   * is free again. An arena that grew for a burst of inflation goes back to
   * its first size once ARENA_IDLE_STEPS steps in a row have used at most
   * that size: a thousand guests that each inflated fast once would otherwise
   * keep their largest step's frames (a megabyte each) for the rest of the
   * run, while steady inflation keeps its arena and makes no garbage.
   * Arenas outgrown or given up go to the pool, for the next guest that grows.
   * A step that sent nothing with an arena of its first size left nothing to
   * do: this runs for every guest every tick, and then reads this object only.
   */
  newStep(): void {
    if (!this.sentThisStep && !this.grown) return;
    const firstSize = 4 * this.capacity;
    for (const arena of this.outgrown) this.pool.give(arena);
    this.outgrown.length = 0;
    if (this.grown) {
      if (this.arenaUsedMost > firstSize) this.arenaQuietSteps = 0;
      else if (++this.arenaQuietSteps >= ARENA_IDLE_STEPS) {
        this.pool.give(this.arena);
        this.arena = this.pool.take(firstSize);
        this.grown = false;
        this.arenaQuietSteps = 0;
      }
    }
    this.arenaUsedMost = 0;
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

  /** Moves the start past the batch just sealed, growing the arena if this step sends many. */
  private nextWindow(): void {
    this.sentThisStep = true;
    this.start += this.backed;
    this.arenaUsedMost += this.backed;
    if (this.start + this.capacity > this.arena.length) {
      // The old arena stays alive through the views already sent (the pool has it from the next step); the new one takes the rest of the step.
      this.outgrown.push(this.arena);
      this.arena = this.pool.take(Math.max(this.arena.length * 2, this.capacity * 4));
      this.grown = this.arena.length > 4 * this.capacity;
      this.start = 0;
    }
  }
}
