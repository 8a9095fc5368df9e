/**
 * Free frames between shards. Each shard's pool lives on the thread that
 * hosts it; the memory manager sees only each pool's size and how much it
 * granted in the last tick, and moves frames between pools by orders:
 * a shard with more than it needs surrenders frames into the manager's
 * transit, and transit's frames go to shards that run short (adopt). Both
 * are decided from the published figures in shard order, so the result is
 * the same on any number of threads.
 */
import { framesInRuns } from '../../messages/protocol.js';
import { RunList } from '../frame-runs.js';
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
const TRANSIT_SHARE = 1;

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
  /** HostOrders.keep: per shard, the size above which its pool surrenders at the end of the tick, and the size it keeps. */
  keep: Float64Array;
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
  /**
   * Per shard, running totals: frames ordered to it (adopt) and frames of
   * its surrenders that reached transit. Against the totals the shard
   * publishes (ShardSlot.ADOPTED, SURRENDERED) they give the frames on
   * their way: in lockstep none when figures are read; in free-running mode
   * orders and reports travel while the figures are read, and frames on
   * their way are free frames in neither a pool's figure nor transit.
   */
  private readonly ordered: Float64Array;
  private readonly received: Float64Array;
  /** Frames surrendered by shards, on their way to transit, as last read. */
  private readonly surrendering: Float64Array;
  private readonly block = new Float64Array(SHARD_SLOTS);
  readonly transit = new Transit();
  /** `plan`'s working arrays, kept from one tick to the next (it runs every tick). */
  private readonly demand: Float64Array;
  private readonly marks: Float64Array;
  private readonly adopted = new RunList();

  constructor(
    private readonly layout: ShardLayout,
    private readonly figures: HostFiguresBuffer,
  ) {
    this.pool = new Float64Array(layout.shards);
    this.untouched = new Float64Array(layout.shards);
    this.granted = new Float64Array(layout.shards);
    this.unmet = new Float64Array(layout.shards);
    this.rate = new Float64Array(layout.shards);
    this.demand = new Float64Array(layout.shards);
    this.marks = new Float64Array(layout.shards);
    this.ordered = new Float64Array(layout.shards);
    this.received = new Float64Array(layout.shards);
    this.surrendering = new Float64Array(layout.shards);
  }

  /** A shard starts with `frames` untouched frames (what the balancer assumes until the shard publishes). */
  started(shard: number, frames: number): void {
    this.pool[shard] = frames;
    this.untouched[shard] = frames;
  }

  /**
   * Reads every shard's published figures (between ticks). Frames ordered to
   * a shard that it has not adopted yet count in its pool (they are on their
   * way to it) and against what it could not grant (they are its answer):
   * read without them, the same demand would be met again at every tick
   * until they arrive, and free memory would look short by them.
   */
  read(): void {
    const block = this.block;
    for (let shard = 0; shard < this.layout.shards; shard++) {
      if (!this.figures.readShard(shard, block)) continue;
      const coming = Math.max(0, this.ordered[shard]! - block[ShardSlot.ADOPTED]!);
      this.pool[shard] = block[ShardSlot.POOL]! + coming;
      this.untouched[shard] = block[ShardSlot.UNTOUCHED]! + coming;
      this.granted[shard] = block[ShardSlot.GRANTED]!;
      this.unmet[shard] = Math.max(0, block[ShardSlot.UNMET]! - coming);
      this.surrendering[shard] = Math.max(0, block[ShardSlot.SURRENDERED]! - this.received[shard]!);
    }
  }

  /** A shard's surrendered frames reached the manager (a report): into transit. */
  surrendered(shard: number, runs: Int32Array): void {
    const frames = framesInRuns(runs);
    this.transit.add(runs);
    this.received[shard]! += frames;
    this.surrendering[shard] = Math.max(0, this.surrendering[shard]! - frames);
  }

  /** A shard died with its thread (free-running mode): its figures are zero, and nothing is on its way to or from it. */
  retire(shard: number): void {
    this.ordered[shard] = 0;
    this.received[shard] = 0;
    this.surrendering[shard] = 0;
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

  /** Free frames in all pools and in transit, and on their way between them. */
  get freeFrames(): number {
    let free = this.transit.size;
    for (let shard = 0; shard < this.layout.shards; shard++) free += this.pool[shard]! + this.surrendering[shard]!;
    return free;
  }

  /**
   * This tick's moves. Each shard's mark is its expected demand (its
   * average grants per tick, and what it could not grant last tick) plus
   * its share of the rest of free memory by `weights` (its live guests'
   * pages), less what transit keeps (TRANSIT_SHARE); when demand exceeds
   * free memory, free memory is split by demand. A pool below its mark, or
   * one that could not grant what was asked, adopts from transit now (what
   * it could not grant first), lowest shard first; at the end of the tick a
   * pool well above its mark surrenders down to it, so that what guests gave
   * back is in transit for the next tick. `reserveNeed` frames stay in
   * transit for the hypervisor's reserve.
   */
  plan(weights: Float64Array, reserveNeed: number): BalanceOrders {
    const shards = this.layout.shards;
    const free = Math.max(0, this.freeFrames - reserveNeed);
    let weightSum = 0;
    let demandSum = 0;
    const demand = this.demand;
    for (let shard = 0; shard < shards; shard++) {
      this.rate[shard] = this.rate[shard]! * (1 - DEMAND_WEIGHT) + this.granted[shard]! * DEMAND_WEIGHT;
      demand[shard] = weights[shard]! > 0 ? this.rate[shard]! + this.unmet[shard]! : 0;
      demandSum += demand[shard]!;
      weightSum += weights[shard]!;
    }
    const orders: BalanceOrders = { adopt: [], keep: new Float64Array(2 * shards) };
    const marks = this.marks;
    for (let shard = 0; shard < shards; shard++) {
      if (demandSum >= free) marks[shard] = demandSum > 0 ? Math.floor((free * demand[shard]!) / demandSum) : 0;
      else marks[shard] = Math.floor(demand[shard]! + (weightSum > 0 ? ((1 - TRANSIT_SHARE) * (free - demandSum) * weights[shard]!) / weightSum : 0));
      orders.keep[2 * shard] = Math.floor(marks[shard]! * (1 + SLACK)) + MOVE_FRAMES_MIN;
      orders.keep[2 * shard + 1] = marks[shard]!;
    }
    let available = Math.max(0, this.transit.size - reserveNeed);
    const list = this.adopted;
    // Shards whose waiting grants are owed more than their pools hold get it first; then shards below their marks.
    for (let pass = 0; pass < 2; pass++) {
      const owedFirst = pass === 0;
      for (let shard = 0; shard < shards && available > 0; shard++) {
        // `pool` counts what the shard adopted in the first pass already.
        const short = owedFirst ? this.unmet[shard]! : marks[shard]! - this.pool[shard]!;
        if (short <= 0 || (!owedFirst && short < Math.max(MOVE_FRAMES_MIN, marks[shard]! * SLACK))) continue;
        list.clear();
        const taken = this.transit.take(Math.min(short, available), list);
        if (taken === 0) continue;
        available -= taken;
        this.ordered[shard]! += taken;
        this.pool[shard]! += taken;
        this.untouched[shard]! += taken;
        orders.adopt.push({ shard, runs: list.toRuns() });
      }
    }
    if (this.transit.size < reserveNeed) {
      // The reserve wants frames transit does not have: every pool gives up all it holds above its mark.
      for (let shard = 0; shard < shards; shard++) orders.keep[2 * shard] = orders.keep[2 * shard + 1]!;
    }
    return orders;
  }
}
