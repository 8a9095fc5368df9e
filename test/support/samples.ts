/** Hand-made samples and run results for unit tests of src/output (values chosen by the test, not by a run). */
import type { GuestSample, Sample } from '../../src/runtime/sample.js';
import type { RunSummary } from '../../src/runtime/summary.js';
import { GUEST_FIGURES, TimeSeries } from '../../src/output/time-series.js';

/** A guest sample with every figure 0 except those given. */
export function guestSample(name: string, figures: Partial<Omit<GuestSample, 'name'>> = {}): GuestSample {
  const sample = { name, alive: true } as GuestSample;
  for (const figure of GUEST_FIGURES) sample[figure] = 0;
  return Object.assign(sample, figures);
}

/** A sample at `timeMs` of the given guests, with `freeFrames` free and the host in the high state. */
export function sampleAt(timeMs: number, guests: GuestSample[], freeFrames = 1000, hostSwapUsedPages = 0): Sample {
  return { timeMs, freeFrames, hostState: 'high', hostSwapUsedPages, guests };
}

/** A series of the given samples (guest names from the first). */
export function seriesOf(samples: Sample[], frameBytes = 4096, hostFrames = 4096): TimeSeries {
  const series = new TimeSeries(samples[0]?.guests.map((g) => g.name) ?? [], frameBytes, hostFrames);
  for (const sample of samples) series.add(sample);
  return series;
}

/** The parts of a run summary the output modules read, for guests of 64 MiB boot memory at 4 KiB frames. */
export function summaryOf(guests: Array<Partial<RunSummary['guests'][number]> & { name: string }>, overrides: Partial<RunSummary> = {}): RunSummary {
  const MiB = 2 ** 20;
  return {
    schemaVersion: 1,
    scenario: 's',
    seed: 1,
    ticks: 3,
    simulatedSeconds: 3,
    host: { memoryBytes: 1024 * MiB, frameBytes: 4096, frames: 262_144, freeBytes: 900 * MiB, hypervisorFrames: 256, protocolViolations: 0, policy: { name: 'static', periodSeconds: 1, parameters: {}, paused: false }, backing: 'lazy' },
    guests: guests.map((g) => ({ alive: true, bootBytes: 64 * MiB, maxBytes: 64 * MiB, targetBytes: 0, actualBytes: 0, residentBytes: 0, balloonBytes: 0, peakBalloonBytes: 0, usedBytes: 0, oomKills: 0, majorFaults: 0, swapInPages: 0, swapOutPages: 0, ...g })),
    audit: { checks: 3, fullChecks: 1, violations: 0, firstViolations: [] },
    ...overrides,
  } as unknown as RunSummary;
}
