import type { FrameTable } from '../frame-table.js';
import { OWNER_FREE, OWNER_HYPERVISOR } from '../owners.js';
import { RunList } from '../frame-runs.js';
import type { Transit } from './shard-balance.js';

/**
 * The frames the hypervisor keeps for itself. At boot it holds the lowest
 * frames; a `setReserved` event changes how many it wants: it gives frames
 * back to the manager's transit at once, or takes transit's frames now and
 * the rest as shards surrender them (`takeFree`, every tick). Every move is
 * a compare-exchange on the table, like any other change of owner; they are
 * rare (events), so the manager makes them itself.
 */
export class HypervisorReserve {
  /** Held frames, as a stack (the first `held` entries); grows as the reserve does. */
  private frames: Int32Array;
  private heldCount = 0;
  private wantedCount: number;
  private readonly scratch = new RunList();
  /** The frames a range move took (takeRange). */
  private readonly moved = new RunList();

  /** Takes frames 0 .. `wanted` - 1, which must be free in the table. */
  constructor(
    private readonly table: FrameTable,
    private readonly transit: Transit,
    wanted: number,
  ) {
    if (!(Number.isSafeInteger(wanted) && wanted >= 0 && wanted <= table.frames)) {
      throw new RangeError(`HypervisorReserve: wanted must be a whole number from 0 to ${table.frames}, got ${wanted}`);
    }
    this.frames = new Int32Array(Math.max(16, wanted));
    this.wantedCount = wanted;
    this.takeRange(0, wanted);
  }

  /** Frames held now. */
  get held(): number {
    return this.heldCount;
  }

  /** Frames wanted. */
  get wanted(): number {
    return this.wantedCount;
  }

  /** Frames still wanted beyond those held. */
  get missing(): number {
    return Math.max(0, this.wantedCount - this.heldCount);
  }

  /** The held frames: a view for audits, valid until the reserve changes. */
  heldFrames(): Int32Array {
    return this.frames.subarray(0, this.heldCount);
  }

  /** Wants `count` frames from now on: gives the excess back to transit, then takes what transit has toward it. */
  want(count: number): void {
    if (!(Number.isSafeInteger(count) && count >= 0 && count < this.table.frames)) {
      throw new RangeError(`HypervisorReserve.want: count must be a whole number from 0 to ${this.table.frames - 1}, got ${count}`);
    }
    this.wantedCount = count;
    while (this.heldCount > count) {
      const frame = this.frames[--this.heldCount]!;
      if (this.table.transfer(frame, OWNER_HYPERVISOR, OWNER_FREE)) this.transit.push(frame, 1);
    }
    this.takeFree();
  }

  /** Takes transit's frames toward the wanted count. */
  takeFree(): void {
    const missing = this.missing;
    if (missing === 0 || this.transit.size === 0) return;
    const list = this.scratch;
    list.clear();
    this.transit.take(missing, list);
    const runs = list.view();
    for (let i = 0; i < runs.length; i += 2) this.takeRange(runs[i]!, runs[i + 1]!);
  }

  /**
   * Takes the free frames [first, first + count) with one range move and
   * holds those that moved. A frame that is not free (transit held one that
   * is not, or a boot frame is taken) fails its exchange: the table records
   * the violation, and the frame is not held.
   */
  private takeRange(first: number, count: number): void {
    const moved = this.moved;
    moved.clear();
    this.table.transferRange(first, count, OWNER_FREE, OWNER_HYPERVISOR, moved);
    const runs = moved.view();
    for (let i = 0; i < runs.length; i += 2) {
      for (let frame = runs[i]!; frame < runs[i]! + runs[i + 1]!; frame++) this.hold(frame);
    }
  }

  private hold(frame: number): void {
    if (this.heldCount === this.frames.length) {
      const grown = new Int32Array(Math.min(this.table.frames, this.frames.length * 2));
      grown.set(this.frames);
      this.frames = grown;
    }
    this.frames[this.heldCount++] = frame;
  }
}
