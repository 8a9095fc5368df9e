import type { FrameTable } from './frame-table.js';
import type { FreePool } from './free-pool.js';
import { OWNER_FREE, OWNER_HYPERVISOR } from './owners.js';

/**
 * The frames the hypervisor keeps for itself. At boot it holds the lowest
 * frames; a `setReserved` event changes how many it wants: it gives frames
 * back to the pool at once, or takes free frames now and the rest as they
 * become free (`takeFree`, every tick). Every move is a compare-exchange on
 * the table, like any other change of owner.
 */
export class HypervisorReserve {
  /** Held frames, as a stack (the first `held` entries); grows as the reserve does (a reserve is a few percent of the host, not 4 bytes a frame). */
  private frames: Int32Array;
  private heldCount = 0;
  private wantedCount: number;

  /** Takes frames 0 .. `wanted` - 1, which must be free in the table and not in the pool. */
  constructor(
    private readonly table: FrameTable,
    private readonly pool: FreePool,
    wanted: number,
  ) {
    if (!(Number.isSafeInteger(wanted) && wanted >= 0 && wanted <= table.frames)) {
      throw new RangeError(`HypervisorReserve: wanted must be a whole number from 0 to ${table.frames}, got ${wanted}`);
    }
    this.frames = new Int32Array(Math.max(16, wanted));
    this.wantedCount = wanted;
    for (let frame = 0; frame < wanted; frame++) {
      if (table.transfer(frame, OWNER_FREE, OWNER_HYPERVISOR)) this.frames[this.heldCount++] = frame;
    }
  }

  /** Frames held now. */
  get held(): number {
    return this.heldCount;
  }

  /** Frames wanted. */
  get wanted(): number {
    return this.wantedCount;
  }

  /** Wants `count` frames from now on: gives the excess back to the pool, then takes what the pool has toward it. */
  want(count: number): void {
    if (!(Number.isSafeInteger(count) && count >= 0 && count < this.table.frames)) {
      throw new RangeError(`HypervisorReserve.want: count must be a whole number from 0 to ${this.table.frames - 1}, got ${count}`);
    }
    this.wantedCount = count;
    while (this.heldCount > count) {
      const frame = this.frames[--this.heldCount]!;
      if (this.table.transfer(frame, OWNER_HYPERVISOR, OWNER_FREE)) this.pool.push(frame);
    }
    this.takeFree();
  }

  private hold(frame: number): void {
    if (this.heldCount === this.frames.length) {
      const grown = new Int32Array(Math.min(this.table.frames, this.frames.length * 2));
      grown.set(this.frames);
      this.frames = grown;
    }
    this.frames[this.heldCount++] = frame;
  }

  /** Takes free frames toward the wanted count. */
  takeFree(): void {
    while (this.heldCount < this.wantedCount && this.pool.size > 0) {
      const frame = this.pool.pop();
      if (frame < 0) break;
      if (this.table.transfer(frame, OWNER_FREE, OWNER_HYPERVISOR)) this.hold(frame);
      // A failed transfer means the pool held a frame that is not free: the table has counted the violation.
    }
  }
}
