/**
 * The figures that put runs side by side (sweeps, `balloonsim compare`): what
 * overcommit saved the host, against what it cost the guests.
 *
 * Means over time are weighted by the time each sample stands for (from the
 * sample before it, or from 0 for the first).
 */
import type { RunSummary } from '../runtime/summary.js';
import type { Sample } from '../runtime/sample.js';

/** One run in one row. Sizes in bytes; counts summed over guests. */
export interface RunMetrics {
  scenario: string;
  seed: number;
  simulatedSeconds: number;
  guests: number;
  hostMemoryBytes: number;
  /** Guests' boot memory added up: what the host would need without overcommit. */
  committedBytes: number;
  /** Host memory the guests held, on average over time. */
  residentBytesMean: number;
  residentBytesPeak: number;
  /** committed minus resident, on average over time: memory saved by overcommit and ballooning. */
  savedBytesMean: number;
  /** Memory in balloons, on average over time. */
  balloonBytesMean: number;
  hostFreeBytesMin: number;
  majorFaults: number;
  swapInPages: number;
  swapOutPages: number;
  /** Seconds guests' workloads stalled on memory, added up. */
  stallSeconds: number;
  /** Highest `some` pressure (10 s average, 0..1) of any guest at any sample. */
  psiSomeMax: number;
  oomKills: number;
  /** Invariant violations the audit found (0 in a good run). */
  auditViolations: number;
  /** Messages the host refused because they broke the protocol. */
  protocolViolations: number;
}

/** The metric columns in table order, with how to show them. */
export const METRIC_COLUMNS = [
  { key: 'savedBytesMean', title: 'saved (mean)', unit: 'bytes' },
  { key: 'residentBytesMean', title: 'resident (mean)', unit: 'bytes' },
  { key: 'balloonBytesMean', title: 'balloon (mean)', unit: 'bytes' },
  { key: 'hostFreeBytesMin', title: 'host free (min)', unit: 'bytes' },
  { key: 'majorFaults', title: 'major faults', unit: 'count' },
  { key: 'swapOutPages', title: 'swap out', unit: 'count' },
  { key: 'stallSeconds', title: 'stall s', unit: 'seconds' },
  { key: 'psiSomeMax', title: 'psi some max', unit: 'fraction' },
  { key: 'oomKills', title: 'oom kills', unit: 'count' },
  { key: 'auditViolations', title: 'violations', unit: 'count' },
] as const satisfies ReadonlyArray<{ key: keyof RunMetrics; title: string; unit: 'bytes' | 'count' | 'seconds' | 'fraction' }>;

/** Accumulates samples as they come (no sample is kept), then gives the run's metrics. */
export class MetricsAccumulator {
  private lastMs = 0;
  private weightMs = 0;
  private residentPagesMs = 0;
  private balloonPagesMs = 0;
  private residentPeak = 0;
  private freeMin = Number.POSITIVE_INFINITY;
  private psiSomeMax = 0;
  private last: Sample | null = null;

  /** Adds one sample (times must increase). */
  add(sample: Sample): void {
    const span = sample.timeMs - this.lastMs;
    if (!(span > 0) && this.last !== null) throw new RangeError(`MetricsAccumulator.add: sample times must increase; ${sample.timeMs} ms follows ${this.lastMs} ms`);
    let resident = 0;
    let balloon = 0;
    for (const guest of sample.guests) {
      resident += guest.residentPages;
      balloon += guest.balloonPages;
      if (guest.psiSomeAvg10 > this.psiSomeMax) this.psiSomeMax = guest.psiSomeAvg10;
    }
    this.residentPagesMs += resident * span;
    this.balloonPagesMs += balloon * span;
    this.weightMs += span;
    this.residentPeak = Math.max(this.residentPeak, resident);
    this.freeMin = Math.min(this.freeMin, sample.freeFrames);
    this.lastMs = sample.timeMs;
    this.last = sample;
  }

  /** The metrics of the run, from its summary and the samples added (end values alone if there were none). */
  finish(summary: RunSummary): RunMetrics {
    const frameBytes = summary.host.frameBytes;
    const sum = (pick: (guest: RunSummary['guests'][number]) => number): number => summary.guests.reduce((total, guest) => total + pick(guest), 0);
    const committedBytes = sum((g) => g.bootBytes);
    const endResident = sum((g) => g.residentBytes);
    const endBalloon = sum((g) => g.balloonBytes);
    const sampled = this.weightMs > 0;
    const residentBytesMean = sampled ? (this.residentPagesMs / this.weightMs) * frameBytes : endResident;
    const lastGuests = this.last?.guests ?? [];
    const fromStats = (pick: (guest: Sample['guests'][number]) => number): number => lastGuests.reduce((total, guest) => total + pick(guest), 0);
    return {
      scenario: summary.scenario,
      seed: summary.seed,
      simulatedSeconds: summary.simulatedSeconds,
      guests: summary.guests.length,
      hostMemoryBytes: summary.host.memoryBytes,
      committedBytes,
      residentBytesMean: Math.round(residentBytesMean),
      residentBytesPeak: sampled ? this.residentPeak * frameBytes : endResident,
      savedBytesMean: Math.round(committedBytes - residentBytesMean),
      balloonBytesMean: Math.round(sampled ? (this.balloonPagesMs / this.weightMs) * frameBytes : endBalloon),
      hostFreeBytesMin: sampled ? this.freeMin * frameBytes : summary.host.freeBytes,
      majorFaults: Math.max(sum((g) => g.majorFaults), fromStats((g) => g.majorFaultsTotal)),
      swapInPages: Math.max(sum((g) => g.swapInPages), fromStats((g) => g.swapInTotal)),
      swapOutPages: Math.max(sum((g) => g.swapOutPages), fromStats((g) => g.swapOutTotal)),
      // To the 9 significant digits timeseries.csv keeps (each guest's, then the sum), so that `compare` of a run's
      // directory, which reads the CSV, gives the figures a sweep of the same run gives (psiSomeMax differed in its 10th digit).
      stallSeconds: Number(fromStats((g) => Number(g.stallSecondsTotal.toPrecision(9))).toPrecision(9)),
      psiSomeMax: Number(this.psiSomeMax.toPrecision(9)),
      oomKills: Math.max(sum((g) => g.oomKills), fromStats((g) => g.oomKillsTotal)),
      auditViolations: summary.audit.violations,
      protocolViolations: summary.host.protocolViolations,
    };
  }
}
