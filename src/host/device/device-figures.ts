/**
 * What the device sides publish for the memory manager: one block of figures
 * per guest and one per shard, in shared memory, so that the manager reads
 * per-tick summaries without a message and never looks at single frames.
 *
 * Each block has its own seqlock (an Int32 that is odd while the block is
 * written). In lockstep the manager reads only between ticks, when nothing
 * writes; in free-running mode it reads while device sides run, and the
 * seqlock gives it one consistent block.
 */

/** Slots of a guest's block (Float64: counts since boot may pass 2^31). */
export const DeviceSlot = {
  ALIVE: 0,
  /** Frames the table gives the guest (kept in step with every transfer). */
  OWNED: 1,
  /** Pages the host holds in the guest's balloon. */
  BALLOON: 2,
  /** Pages of the guest's memory (address space less unplugged hotplug room). */
  MEMORY: 3,
  /** The target the device last passed on to the guest. */
  TARGET: 4,
  /** Frames, balloon pages, swap-in frames and plugged pages in messages not yet delivered to the guest. */
  QUEUED_GRANT: 5,
  QUEUED_BALLOON: 6,
  QUEUED_SWAP_IN: 7,
  QUEUED_PLUG: 8,
  VIOLATIONS: 9,
  QUARANTINED: 10,
  QUARANTINED_MESSAGES: 11,
  LOW_STATE_REFUSED: 12,
  POPULATE_SHORT: 13,
  /** Host swap slots holding the guest's pages. */
  HOST_SWAP: 14,
  /** The id of the last pageOut the guest has answered (or that the device dropped); the manager asks again only after it. */
  PAGE_OUT_CLOSED_ID: 15,
  HOST_PAGED_OUT: 16,
  HOST_SWAPPED_IN: 17,
  /** Host swap pages read back by the guest's own swap-out (double paging). */
  HOST_SWAP_READ: 18,
  HOST_SWAP_IN_ASKED: 19,
  HOST_SWAP_RETURNED: 20,
  HOTPLUG: 21,
  UNPLUGGED: 22,
  HOTPLUG_BUSY: 23,
  HOTPLUG_FAILED: 24,
  REPORTED_FREE: 25,
  OOM_DEFLATED: 26,
  DISTRESS: 27,
  /** The last active-memory sample: when the device heard it (-1: never), pages sampled and touched. */
  SAMPLE_AT_MS: 28,
  SAMPLED: 29,
  TOUCHED: 30,
  /** Frames owed to grants that wait for the next tick's start (the guest will hold them then). */
  PENDING: 31,
} as const;

export const DEVICE_SLOTS = 32;

/** Slots of a shard's block. */
export const ShardSlot = {
  /** Free frames in the shard's pool. */
  POOL: 0,
  /** Of those, frames in untouched ranges (OWNER_FREE in the table). */
  UNTOUCHED: 1,
  /** Frames the shard granted in its last step, and what its waiting grants are owed beyond its pool or lacked when completed in that step (to come from transit). */
  GRANTED: 2,
  UNMET: 3,
  RETURNED: 4,
  /**
   * Frames the shard has adopted by the manager's orders, and surrendered
   * into transit, since boot (running totals). Against what it ordered and
   * what reached it in reports, they tell the manager the frames still on
   * their way in either direction (free-running mode: orders and reports
   * travel while the figures are read).
   */
  ADOPTED: 5,
  SURRENDERED: 6,
} as const;

export const SHARD_SLOTS = 7;

const READ_TRIES = 64;

/** The shared figures of a host's guests and shards (one buffer for all). */
export class HostFiguresBuffer {
  readonly buffer: SharedArrayBuffer;
  private readonly seq: Int32Array;
  /** The slots of every block, for writers between `begin...` and `end...`. */
  readonly values: Float64Array;

  constructor(
    readonly guests: number,
    readonly shards: number,
    buffer?: SharedArrayBuffer,
  ) {
    const blocks = guests + shards;
    const seqBytes = Math.ceil((blocks * 4) / 8) * 8;
    const bytes = seqBytes + (guests * DEVICE_SLOTS + shards * SHARD_SLOTS) * 8;
    if (buffer !== undefined && buffer.byteLength !== bytes) {
      throw new RangeError(`HostFiguresBuffer: a buffer for ${guests} guests and ${shards} shards has ${bytes} bytes, got ${buffer.byteLength}`);
    }
    this.buffer = buffer ?? new SharedArrayBuffer(bytes);
    this.seq = new Int32Array(this.buffer, 0, blocks);
    this.values = new Float64Array(this.buffer, seqBytes);
  }

  /** Where guest `index`'s slots start in `values`. */
  guestOffset(index: number): number {
    return index * DEVICE_SLOTS;
  }

  shardOffset(shard: number): number {
    return this.guests * DEVICE_SLOTS + shard * SHARD_SLOTS;
  }

  /** Starts writing guest `index`'s block (its seqlock goes odd); returns where its slots start in `values`. */
  beginGuest(index: number): number {
    Atomics.add(this.seq, index, 1);
    return this.guestOffset(index);
  }

  /** Ends writing guest `index`'s block. */
  endGuest(index: number): void {
    Atomics.add(this.seq, index, 1);
  }

  beginShard(shard: number): number {
    Atomics.add(this.seq, this.guests + shard, 1);
    return this.shardOffset(shard);
  }

  endShard(shard: number): void {
    Atomics.add(this.seq, this.guests + shard, 1);
  }

  /**
   * The figures of a guest whose device side died with its thread (a killed
   * worker): all zero but its memory and target. The thread may have died
   * mid-write, leaving the block's seqlock odd, so the lock is set, not added to.
   */
  retireGuest(index: number, memoryPages: number, targetPages: number): void {
    const at = this.guestOffset(index);
    this.rewrite(index, () => {
      this.values.fill(0, at, at + DEVICE_SLOTS);
      this.values[at + DeviceSlot.MEMORY] = memoryPages;
      this.values[at + DeviceSlot.TARGET] = targetPages;
      this.values[at + DeviceSlot.SAMPLE_AT_MS] = -1;
    });
  }

  /** The figures of a shard whose pool died with its thread: all zero (see retireGuest). */
  retireShard(shard: number): void {
    const at = this.shardOffset(shard);
    this.rewrite(this.guests + shard, () => this.values.fill(0, at, at + SHARD_SLOTS));
  }

  /** Rewrites a block whose writer is gone, whatever state it left the lock in. */
  private rewrite(block: number, write: () => void): void {
    const odd = Atomics.load(this.seq, block) | 1;
    Atomics.store(this.seq, block, odd);
    write();
    Atomics.store(this.seq, block, odd + 1);
  }

  /** Copies guest `index`'s block into `out` (DEVICE_SLOTS values) consistently; false if it could not or it was never written. */
  readGuest(index: number, out: Float64Array): boolean {
    return this.read(index, this.guestOffset(index), DEVICE_SLOTS, out);
  }

  readShard(shard: number, out: Float64Array): boolean {
    return this.read(this.guests + shard, this.shardOffset(shard), SHARD_SLOTS, out);
  }

  /** Copies a block consistently; false if it could not, or if the block was never written (`out` unchanged then). */
  private read(block: number, at: number, slots: number, out: Float64Array): boolean {
    const scratch = this.scratch;
    for (let tries = 0; tries < READ_TRIES; tries++) {
      const before = Atomics.load(this.seq, block);
      if (before === 0) return false;
      if ((before & 1) !== 0) continue;
      for (let i = 0; i < slots; i++) scratch[i] = this.values[at + i]!;
      if (Atomics.load(this.seq, block) !== before) continue;
      for (let i = 0; i < slots; i++) out[i] = scratch[i]!;
      return true;
    }
    return false;
  }

  private readonly scratch = new Float64Array(Math.max(DEVICE_SLOTS, SHARD_SLOTS));
}
