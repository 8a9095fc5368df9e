import type { SizeCurve } from '../model/scenario.js';
import { assertNever } from '../util/assert-never.js';
import type { Random } from '../util/random.js';

/** At most this many bursts are planned ahead; a limit on everything. */
const BURSTS_PLANNED_MAX = 1_000_000;

/**
 * Evaluates a workload component's size curve at simulated times. Calls must
 * come with non-decreasing times (the bursts plan is drawn from the seed as
 * time goes on), which keeps the result a pure function of the seed.
 */
export class SizeCurveSampler {
  private burstStartMs = 0;
  private burstEndMs = 0;
  private burstsPlanned = 0;
  private lastMs = 0;

  constructor(
    private readonly curve: SizeCurve,
    private readonly random: Random,
  ) {
    if (curve.kind === 'bursts') this.planNextBurst(0);
  }

  /** The component's size in bytes at `nowMs`. */
  bytesAt(nowMs: number): number {
    if (nowMs < this.lastMs) {
      throw new RangeError(`SizeCurveSampler.bytesAt: time went back from ${this.lastMs} ms to ${nowMs} ms`);
    }
    this.lastMs = nowMs;
    const curve = this.curve;
    switch (curve.kind) {
      case 'constant':
        return curve.bytes;
      case 'steps':
        return stepValue(curve.steps, nowMs);
      case 'ramp':
        return rampValue(curve.fromBytes, curve.toBytes, curve.startMs, curve.endMs, nowMs);
      case 'sine': {
        const phase = (2 * Math.PI * (nowMs + curve.phaseMs)) / curve.periodMs;
        return curve.minBytes + ((curve.maxBytes - curve.minBytes) * (1 - Math.cos(phase))) / 2;
      }
      case 'bursts':
        while (nowMs >= this.burstEndMs && this.burstsPlanned < BURSTS_PLANNED_MAX) {
          this.planNextBurst(this.burstEndMs);
        }
        return nowMs >= this.burstStartMs && nowMs < this.burstEndMs ? curve.peakBytes : curve.baseBytes;
      case 'trace':
        return traceValue(curve.points, nowMs);
      default:
        return assertNever(curve, 'SizeCurveSampler.bytesAt');
    }
  }

  private planNextBurst(afterMs: number): void {
    if (this.curve.kind !== 'bursts') return;
    const gap = this.random.exponential(this.curve.meanGapMs);
    const length = Math.max(1, this.random.exponential(this.curve.meanLengthMs));
    this.burstStartMs = afterMs + gap;
    this.burstEndMs = this.burstStartMs + length;
    this.burstsPlanned++;
  }
}

function stepValue(steps: ReadonlyArray<{ atMs: number; bytes: number }>, nowMs: number): number {
  let value = 0;
  for (const step of steps) {
    if (step.atMs > nowMs) break;
    value = step.bytes;
  }
  return value;
}

function rampValue(from: number, to: number, startMs: number, endMs: number, nowMs: number): number {
  if (nowMs <= startMs) return from;
  if (nowMs >= endMs) return to;
  return from + ((to - from) * (nowMs - startMs)) / (endMs - startMs);
}

function traceValue(points: ReadonlyArray<{ atMs: number; bytes: number }>, nowMs: number): number {
  const first = points[0];
  if (first === undefined) return 0;
  if (nowMs <= first.atMs) return first.bytes;
  for (let i = 1; i < points.length; i++) {
    const right = points[i]!;
    if (nowMs < right.atMs) {
      const left = points[i - 1]!;
      return rampValue(left.bytes, right.bytes, left.atMs, right.atMs, nowMs);
    }
  }
  return points[points.length - 1]!.bytes;
}
