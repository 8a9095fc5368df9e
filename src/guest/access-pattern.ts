import { HOT_TOUCH_INTERVAL_MS_DEFAULT, SKEW_DEFAULT } from '../model/defaults.js';
import type { WorkloadComponent } from '../model/scenario.js';

/** Rate buckets inside the hot part; bucket 0 is the hottest and smallest. */
export const HOT_BUCKETS = 6;
/** The bucket of every page outside the hot part. */
export const COLD_BUCKET = HOT_BUCKETS;
export const BUCKETS = HOT_BUCKETS + 1;

/** The hot part is cut at hot * (2^j - 1) / SPLITS: each bucket twice as wide as the one before. */
const SPLITS = (1 << HOT_BUCKETS) - 1;

/**
 * How a workload component touches its pages: the first `hotFraction` of its
 * logical pages are hot, the rest cold. The hot part is cut into HOT_BUCKETS
 * buckets, each twice as wide as the one before, whose touch rates fall
 * geometrically from `skew / hotTouchInterval` (the narrow hottest bucket) to
 * `1 / hotTouchInterval` (the wide coolest one): a Zipf-like skew with a
 * handful of numbers. Cold pages are touched at `1 / coldTouchInterval`, or
 * never. A page's rate depends only on its logical index and the component's
 * current size, so nothing is stored per page.
 */
export class AccessPattern {
  readonly hotFraction: number;
  /** Touches per ms of one page, by bucket. */
  readonly ratePerMs: Float64Array;
  /** Probability that one page is touched during one tick, by bucket. */
  readonly touchProbability: Float64Array;
  /** Whether any page is ever touched (false: an idle component). */
  readonly touches: boolean;
  /** Expected touches of one page in one tick, over all the component's pages (the work it wants to do, per page it holds). */
  readonly touchesPerPageTick: number;

  constructor(component: WorkloadComponent, tickMs: number) {
    if (!(component.hotFraction >= 0 && component.hotFraction <= 1)) {
      throw new RangeError(`AccessPattern: hotFraction must be from 0 to 1, got ${component.hotFraction}`);
    }
    const hotIntervalMs = component.hotTouchIntervalMs ?? HOT_TOUCH_INTERVAL_MS_DEFAULT;
    const skew = component.skew ?? SKEW_DEFAULT;
    if (!(hotIntervalMs > 0) || !(skew >= 1)) {
      throw new RangeError(`AccessPattern: hotTouchIntervalMs must be > 0 and skew >= 1, got ${hotIntervalMs} and ${skew}`);
    }
    this.hotFraction = component.hotFraction;
    this.ratePerMs = new Float64Array(BUCKETS);
    this.touchProbability = new Float64Array(BUCKETS);
    for (let bucket = 0; bucket < HOT_BUCKETS; bucket++) {
      const coolness = bucket / (HOT_BUCKETS - 1);
      this.ratePerMs[bucket] = skew ** (1 - coolness) / hotIntervalMs;
    }
    const coldMs = component.coldTouchIntervalMs ?? 0;
    this.ratePerMs[COLD_BUCKET] = coldMs > 0 ? 1 / coldMs : 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      this.touchProbability[bucket] = 1 - Math.exp(-this.ratePerMs[bucket]! * tickMs);
    }
    this.touches = this.hotFraction > 0 || coldMs > 0;
    let hotShare = 0;
    for (let bucket = 0; bucket < HOT_BUCKETS; bucket++) hotShare += ((1 << bucket) / SPLITS) * this.touchProbability[bucket]!;
    this.touchesPerPageTick = this.hotFraction * hotShare + (1 - this.hotFraction) * this.touchProbability[COLD_BUCKET]!;
  }

  /** Hot pages of a component of `size` logical pages. */
  hotPages(size: number): number {
    return Math.floor(size * this.hotFraction);
  }

  /** First logical page of `bucket` when the hot part has `hot` pages (COLD_BUCKET starts at `hot`). */
  bucketStart(bucket: number, hot: number): number {
    return bucket >= HOT_BUCKETS ? hot : Math.floor((hot * ((1 << bucket) - 1)) / SPLITS);
  }

  /** Where `bucket` ends when the hot part has `hot` pages (the next bucket's start; `size`, the component's end, for the cold bucket): for walks that go up through the buckets. */
  bucketEnd(bucket: number, hot: number, size: number): number {
    return bucket === COLD_BUCKET ? size : this.bucketStart(bucket + 1, hot);
  }

  /** The bucket of logical page `page` when the hot part has `hot` pages. */
  bucketOf(page: number, hot: number): number {
    if (page >= hot) return COLD_BUCKET;
    // floor(log2(x + 1)) for x = page * SPLITS / hot: equal to that of floor(x) + 1, since the buckets' bounds
    // 2^k - 1 are whole numbers, and found with clz32 (Math.log2 is a call into the runtime, and this runs per page
    // as reclaim's hands move); the loops below make the bucket exact either way.
    let bucket = 31 - Math.clz32(Math.floor((page * SPLITS) / hot) + 1);
    if (bucket > HOT_BUCKETS - 1) bucket = HOT_BUCKETS - 1;
    while (bucket < HOT_BUCKETS - 1 && page >= this.bucketStart(bucket + 1, hot)) bucket++;
    while (bucket > 0 && page < this.bucketStart(bucket, hot)) bucket--;
    return bucket;
  }
}
