/**
 * Free frames between shards. Each shard's pool lives on the thread that
 * hosts it; the memory manager sees only each pool's size and how much it
 * granted in the last tick, and moves frames between pools by orders:
 * a shard with more than it needs surrenders frames into the manager's
 * transit, and transit's frames go to shards that run short (adopt). Both
 * are decided from the published figures in shard order, so the result is
 * the same on any number of threads.
 */
import { RunList } from '../device/frame-runs.js';
import { SHARD_SLOTS, ShardSlot, type HostFiguresBuffer } from '../device/device-figures.js';
import type { ShardLayout } from './shards.js';

/** Moves smaller than this are not worth an order (frames). */
const MOVE_FRAMES_MIN = 256;
/** Weight of the last tick in a shard's average grant rate. */
const DEMAND_WEIGHT = 0.3;
/** A pool this far (as a share of its mark) from its mark is left alone: no moves back and forth. */
const SLACK = 0.25;
/**
 * The share of free memory beyond the shards' expected demand that the
 * manager keeps in transit rather than in the pools: a shard whose pool runs
 * dry mid-tick gets it at the start of the next tick, before its guests
 * step, which is when a grant would have reached them anyway.
 */
const TRANSIT_SHARE = 0.5;

/**
 * Frames the manager holds between shards, all OWNER_FREE in the table:
 * a stack of runs (first, count).
 */
export class Transit {
  private words = new Int32Array(32);
  private used = 0;
  size = 0;

  /** Adds runs (first, count pairs). */
  add(runs: Int32Array): void {
    for (let i = 0; i < runs.length; i += 2) this.push(runs[i]!, runs[i + 1]!);
  }

  push(first: number, count: number): void {
    if (count <= 0) return;
    if (this.used + 2 > this.words.length) {
      const grown = new Int32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[this.used] = first;
    this.words[this.used + 1] = count;
    this.used += 2;
    this.size += count;
  }

  /** Takes up to `count` frames, newest runs first, into `out`. */
  take(count: number, out: RunList): number {
    let taken = 0;
    while (taken < count && this.used > 0) {
      const first = this.words[this.used - 2]!;
      const runCount = this.words[this.used - 1]!;
      const take = Math.min(runCount, count - taken);
      if (take === runCount) this.used -= 2;
      else this.words[this.used - 1] = runCount - take;
      out.add(first + runCount - take, take);
      taken += take;
    }
    this.size -= taken;
    return taken;
  }

  /** The runs, (first, count) pairs: a view for audits. */
  runs(): Int32Array {
    return this.words.subarray(0, this.used);
  }
}

/** What one tick's balancing orders. */
export interface BalanceOrders {
  adopt: Array<{ shard: number; runs: Int32Array }>;
  surrender: Array<{ shard: number; frames: number }>;
}

/** Reads the shards' figures and decides the moves between them. */
export class ShardBalancer {
  /** Each shard's pool size and last tick's grants, as last read. */
  readonly pool: Float64Array;
  /** Of each pool, frames in untouched ranges (OWNER_FREE in the table). */
  readonly untouched: Float64Array;
  private readonly granted: Float64Array;
  /** Frames the shard could not grant in its last step (its pool ran dry). */
  private readonly unmet: Float64Array;
  /** Average grants per tick of each shard (exponential). */
  private readonly rate: Float64Array;
  private readonly block = new Float64Array(SHARD_SLOTS);
  readonly transit = new Transit();

  constructor(
    private readonly layout: ShardLayout,
    private readonly figures: HostFiguresBuffer,
  ) {
    this.pool = new Float64Array(layout.shards);
    this.untouched = new Float64Array(layout.shards);
    this.granted = new Float64Array(layout.shards);
    this.unmet = new Float64Array(layout.shards);
    this.rate = new Float64Array(layout.shards);
  }

  /** Reads every shard's published figures (between ticks). */
  read(): void {
    for (let shard = 0; shard < this.layout.shards; shard++) {
      if (!this.figures.readShard(shard, this.block)) continue;
      this.pool[shard] = this.block[ShardSlot.POOL]!;
      this.untouched[shard] = this.block[ShardSlot.UNTOUCHED]!;
      this.granted[shard] = this.block[ShardSlot.GRANTED]!;
      this.unmet[shard] = this.block[ShardSlot.UNMET]!;
    }
  }

  /** Frames in every shard's untouched ranges. */
  get untouchedTotal(): number {
    let total = 0;
    for (let shard = 0; shard < this.layout.shards; shard++) total += this.untouched[shard]!;
    return total;
  }

  /** Frames the shards could not grant last tick, granted at the start of this one. */
  get unmetFrames(): number {
    let unmet = 0;
    for (let shard = 0; shard < this.layout.shards; shard++) unmet += this.unmet[shard]!;
    return unmet;
  }

  /** Free frames in all pools and in transit. */
  get freeFrames(): number {
    let free = this.transit.size;
    for (let shard = 0; shard < this.layout.shards; shard++) free += this.pool[shard]!;
    return free;
  }

  /**
   * This tick's moves. Each shard's mark is its expected demand (its
   * average grants per tick, and what it could not grant last tick) plus
   * its share of the rest of free memory by `weights` (its live guests'
   * pages), less what transit keeps (TRANSIT_SHARE); when demand exceeds
   * free memory, free memory is split by demand. A pool well above its mark
   * surrenders the excess into transit; one well below, or one that could
   * not grant what was asked, adopts from transit, lowest shard first (what
   * it could not grant first). `reserveNeed` frames are
   * kept in transit for the hypervisor's reserve (taken from the shards
   * with the most to spare).
   */
  plan(weights: Float64Array, reserveNeed: number): BalanceOrders {
    const shards = this.layout.shards;
    const free = Math.max(0, this.freeFrames - reserveNeed);
    const orders: BalanceOrders = { adopt: [], surrender: [] };
    if (shards === 0) return orders;
    let weightSum = 0;
    let demandSum = 0;
    const demand = new Float64Array(shards);
    for (let shard = 0; shard < shards; shard++) {
      this.rate[shard] = this.rate[shard]! * (1 - DEMAND_WEIGHT) + this.granted[shard]! * DEMAND_WEIGHT;
      demand[shard] = weights[shard]! > 0 ? this.rate[shard]! + this.unmet[shard]! : 0;
      demandSum += demand[shard]!;
      weightSum += weights[shard]!;
    }
    const marks = new Float64Array(shards);
    for (let shard = 0; shard < shards; shard++) {
      if (demandSum >= free) marks[shard] = demandSum > 0 ? Math.floor((free * demand[shard]!) / demandSum) : 0;
      else marks[shard] = Math.floor(demand[shard]! + (weightSum > 0 ? ((1 - TRANSIT_SHARE) * (free - demandSum) * weights[shard]!) / weightSum : 0));
    }
    let transitAfter = this.transit.size;
    for (let shard = 0; shard < shards; shard++) {
      const mark = marks[shard]!;
      const excess = this.pool[shard]! - mark;
      if (excess > Math.max(MOVE_FRAMES_MIN, mark * SLACK)) {
        orders.surrender.push({ shard, frames: excess });
        transitAfter += excess;
      }
    }
    // Transit's frames go out now (surrendered ones arrive with the tick's reports, for the next tick).
    let available = Math.max(0, this.transit.size - reserveNeed);
    const list = new RunList();
    for (let shard = 0; shard < shards && available > 0; shard++) {
      const short = marks[shard]! - this.pool[shard]!;
      if (short <= 0 || (this.unmet[shard] === 0 && short < Math.max(MOVE_FRAMES_MIN, marks[shard]! * SLACK))) continue;
      list.clear();
      const taken = this.transit.take(Math.min(short, available), list);
      if (taken === 0) continue;
      available -= taken;
      this.pool[shard]! += taken;
      this.untouched[shard]! += taken;
      orders.adopt.push({ shard, runs: list.toRuns() });
    }
    if (transitAfter < reserveNeed) {
      // The reserve wants more than transit will have: the shards with the most to spare give it.
      let missing = reserveNeed - transitAfter;
      const asked = new Set(orders.surrender.map((order) => order.shard));
      const order = Array.from({ length: shards }, (_, shard) => shard).sort((a, b) => this.pool[b]! - this.pool[a]! || a - b);
      for (const shard of order) {
        if (missing <= 0) break;
        if (asked.has(shard) || this.pool[shard]! <= 0) continue;
        const frames = Math.min(missing, this.pool[shard]!);
        orders.surrender.push({ shard, frames });
        missing -= frames;
      }
    }
    return orders;
  }
}
