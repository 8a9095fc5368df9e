import fc from 'fast-check';
import type { DriverProfileName, GrowthSpec, GuestSpec, InflateMode, PolicySpec, Scenario, ScenarioEvent, WorkloadComponent } from '../../src/model/scenario.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

const PROFILES: DriverProfileName[] = ['virtio', 'vmware', 'xen', 'hyperv'];

/** A guest with sensible defaults; tests override what they care about. */
export function guest(name: string, overrides: Partial<GuestSpec> = {}): GuestSpec {
  const memoryBytes = overrides.memoryBytes ?? 64 * MiB;
  return {
    name,
    memoryBytes,
    maxMemoryBytes: memoryBytes,
    minMemoryBytes: 0,
    kernelBytes: 4 * MiB,
    shares: 1000,
    swapBytes: 0,
    driver: { profile: 'virtio', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false },
    workload: [],
    ...overrides,
  };
}

/** A scenario with sensible defaults; tests override what they care about. */
export function scenario(overrides: Partial<Scenario> & { guests: GuestSpec[] }): Scenario {
  return {
    name: 'test',
    source: 'test',
    seed: 1,
    durationMs: 30_000,
    tickMs: 1000,
    frameBytes: 4 * KiB,
    host: { memoryBytes: 256 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
    events: [],
    ...overrides,
  };
}

/** Rounds bytes down to whole 4 KiB pages. */
function pages(bytes: number): number {
  return Math.floor(bytes / (4 * KiB)) * 4 * KiB;
}

/** How a random component touches its pages (the guest memory model): all hot, partly hot, idle, with or without cold touches. */
const accessArb = fc.record({
  kind: fc.constantFrom('anon' as const, 'anon' as const, 'file' as const),
  hotFraction: fc.constantFrom(1, 1, 0.3, 0.05, 0),
  skew: fc.option(fc.constantFrom(1, 4, 64), { nil: undefined }),
  coldTouchIntervalMs: fc.option(fc.constantFrom(2000, 30_000), { nil: undefined, freq: 3 }),
});

const stepsWorkload = (memoryBytes: number, durationMs: number): fc.Arbitrary<WorkloadComponent> =>
  fc
    .tuple(fc.array(fc.tuple(fc.integer({ min: 0, max: durationMs }), fc.double({ min: 0, max: 1.2, noNaN: true })), { minLength: 1, maxLength: 4 }), accessArb)
    .map(([points, access]) => {
      const sorted = [...new Map(points.map(([at, f]) => [at, f])).entries()].sort((a, b) => a[0] - b[0]);
      return {
        kind: access.kind,
        name: 'anon-0',
        hotFraction: access.hotFraction,
        ...(access.skew !== undefined ? { skew: access.skew } : {}),
        ...(access.coldTouchIntervalMs !== undefined ? { coldTouchIntervalMs: access.coldTouchIntervalMs } : {}),
        size: { kind: 'steps' as const, steps: sorted.map(([atMs, f]) => ({ atMs, bytes: pages(f * memoryBytes) })) },
      };
    });

/** Every built-in policy kind with random settings, periods of 1 to 10 s; static most often. */
export function arbitraryPolicy(): fc.Arbitrary<PolicySpec> {
  const periodMs = fc.integer({ min: 1, max: 10 }).map((s) => s * 1000);
  return fc.oneof(
    { weight: 4, arbitrary: periodMs.map((p): PolicySpec => ({ kind: 'static', periodMs: p })) },
    { weight: 1, arbitrary: periodMs.map((p): PolicySpec => ({ kind: 'proportional', periodMs: p })) },
    {
      weight: 1,
      arbitrary: fc
        .record({ p: periodMs, tau: fc.double({ min: 0, max: 0.95, noNaN: true }), samples: fc.integer({ min: 1, max: 200 }) })
        .map(({ p, tau, samples }): PolicySpec => ({ kind: 'esx', periodMs: p, tau, samples, fastWeight: 0.5, slowWeight: 0.1 })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ p: periodMs, threshold: fc.double({ min: 0.05, max: 0.9, noNaN: true }) })
        .map(({ p, threshold }): PolicySpec => ({ kind: 'mom', periodMs: p, sampleIntervalMs: 1000, samples: 3, pressureThreshold: threshold, criticalFree: 0.05, maxChange: 0.05, minChange: 0.0025 })),
    },
    {
      weight: 1,
      arbitrary: periodMs.map(
        (p): PolicySpec => ({ kind: 'senpai', periodMs: 1000, pressureTargetMs: 10, probeIntervalMs: p, maxProbe: 0.05, maxBackoff: 1, coeffProbe: 10, coeffBackoff: 20, minSizeBytes: 8 * MiB }),
      ),
    },
    { weight: 1, arbitrary: periodMs.map((p): PolicySpec => ({ kind: 'xen-selfballoon', periodMs: p, reserveBytes: 4 * MiB, downHysteresis: 8, upHysteresis: 1, minUsableBytes: 0 })) },
    { weight: 1, arbitrary: periodMs.map((p): PolicySpec => ({ kind: 'hyperv', periodMs: p, buffer: 0.2 })) },
  );
}

/**
 * Small random scenarios for property tests: 2 to 6 guests of 16 to 96 MiB,
 * often overcommitted, workloads whose demand steps up and down (sometimes
 * past the guest's size), random target changes (absolute and percentages,
 * some forced past the guard, some dry runs), sometimes a crash, every driver
 * profile, ticks of 100 ms to 1 s, every policy, and host-wide events (the
 * hypervisor's reserve, shares, pausing and switching the policy) that push
 * the host through its free-memory states. The guest memory model's knobs
 * vary too: anonymous and page-cache components, hot fractions and skews,
 * swap, inflate modes, deflate-on-OOM, stats intervals, free page reporting.
 * So do host memory management's: host swap (host paging in the hard and
 * low states, with host swap faults and double paging), back-pressure on or
 * off, growth by a reserved range, hotplug sections or virtio-mem blocks
 * (with online delays, hotplug events, and a host that may refuse to plug).
 */
export function arbitraryScenario(options: { crashes?: boolean } = {}): fc.Arbitrary<Scenario> {
  return fc
    .record({
      seed: fc.nat({ max: 2 ** 31 }),
      tickMs: fc.constantFrom(100, 250, 1000),
      ticks: fc.integer({ min: 10, max: 60 }),
      guestCount: fc.integer({ min: 2, max: 6 }),
      commitFactor: fc.double({ min: 0.4, max: 1.4, noNaN: true }),
      // A third of the scenarios put the host under pressure: every guest uses most of its memory from the start.
      pressure: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.double({ min: 0.5, max: 0.9, noNaN: true }) }),
      eager: fc.boolean(),
      // Host memory management.
      hostSwapMiB: fc.constantFrom(0, 8, 64, 64),
      // High thresholds make small hosts reach the hard and low states (host paging) often.
      states: fc.constantFrom(
        undefined,
        { high: 0.5, soft: 0.45, hard: 0.45, low: 0.2 },
        { high: 0.3, soft: 0.25, hard: 0.25, low: 0.05 },
      ),
      backPressure: fc.boolean(),
      hotplug: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      swapFaultMs: fc.constantFrom(0.1, 1, 5),
    })
    .chain((base) => {
      const durationMs = base.tickMs * base.ticks;
      const guestArb = fc
        .record({
          memoryMiB: fc.integer({ min: 16, max: 96 }),
          growMiB: fc.constantFrom(0, 0, 8, 32),
          profile: fc.constantFrom(...PROFILES),
          batch: fc.option(fc.constantFrom(1, 7, 64, 512), { nil: undefined }),
          // The guest memory model's knobs.
          swapMiB: fc.constantFrom(0, 0, 8, 32),
          inflateMode: fc.constantFrom<InflateMode>('noretry', 'noretry', 'reclaim', 'free-only'),
          deflateOnOom: fc.boolean(),
          statsIntervalMs: fc.constantFrom(0, 250, 1000, 2000),
          freePageReporting: fc.boolean(),
          // Growth past boot (when there is room): reserved, hotplug sections, virtio-mem blocks.
          growth: fc.constantFrom<GrowthSpec>(
            { kind: 'reserved', blockBytes: 0, onlineDelayMs: 0 },
            { kind: 'hotplug', blockBytes: 4 * MiB, onlineDelayMs: 500 },
            { kind: 'hotplug', blockBytes: 8 * MiB, onlineDelayMs: 2000 },
            { kind: 'virtio-mem', blockBytes: 2 * MiB, onlineDelayMs: 250 },
            { kind: 'virtio-mem', blockBytes: 1 * MiB, onlineDelayMs: 0 },
          ),
        })
        .chain((g) =>
          fc.array(stepsWorkload(g.memoryMiB * MiB, durationMs), { minLength: 0, maxLength: 2 }).map((workload) => ({ ...g, workload })),
        );
      return fc.record({
        base: fc.constant(base),
        guests: fc.array(guestArb, { minLength: base.guestCount, maxLength: base.guestCount }),
        targets: fc.array(
          fc.record({
            atMs: fc.integer({ min: 0, max: durationMs }),
            guest: fc.nat({ max: base.guestCount - 1 }),
            fraction: fc.double({ min: 0, max: 1.1, noNaN: true }),
            percent: fc.boolean(),
            force: fc.boolean(),
            dryRun: fc.nat({ max: 5 }).map((n) => n === 0),
          }),
          { maxLength: 8 },
        ),
        policy: arbitraryPolicy(),
        hostEvents: fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('setReserved' as const), atMs: fc.integer({ min: 0, max: durationMs }), fraction: fc.double({ min: 0, max: 0.5, noNaN: true }) }),
            fc.record({ kind: fc.constant('setShares' as const), atMs: fc.integer({ min: 0, max: durationMs }), guest: fc.nat({ max: base.guestCount - 1 }), shares: fc.integer({ min: 1, max: 5000 }) }),
            fc.record({ kind: fc.constantFrom('pausePolicy' as const, 'resumePolicy' as const), atMs: fc.integer({ min: 0, max: durationMs }) }),
            fc.record({ kind: fc.constant('setPolicy' as const), atMs: fc.integer({ min: 0, max: durationMs }), policy: arbitraryPolicy() }),
            fc.record({ kind: fc.constant('hotplug' as const), atMs: fc.integer({ min: 0, max: durationMs }), guest: fc.nat({ max: base.guestCount - 1 }), fraction: fc.double({ min: 0.05, max: 1, noNaN: true }) }),
          ),
          { maxLength: 3 },
        ),
        crash: options.crashes === false ? fc.constant(null) : fc.option(fc.record({ atMs: fc.integer({ min: 0, max: durationMs }), guest: fc.nat({ max: base.guestCount - 1 }) }), { nil: null, freq: 3 }),
      });
    })
    .map(({ base, guests, targets, crash, policy, hostEvents }) => {
      const durationMs = base.tickMs * base.ticks;
      const specs: GuestSpec[] = guests.map((g, index) =>
        guest(`g${index}`, {
          memoryBytes: g.memoryMiB * MiB,
          maxMemoryBytes: (g.memoryMiB + g.growMiB) * MiB,
          swapBytes: g.swapMiB * MiB,
          driver: {
            profile: g.profile,
            ...(g.batch !== undefined ? { batchPages: g.batch } : {}),
            inflateMode: g.inflateMode,
            deflateOnOom: g.deflateOnOom,
            statsIntervalMs: g.statsIntervalMs,
            freePageReporting: g.freePageReporting,
          },
          workload: [
            ...g.workload.map((w, i) => ({ ...w, name: `${w.kind}-${i}` })),
            ...(base.pressure !== null
              ? [{ kind: 'anon' as const, name: 'base', hotFraction: 0.3, coldTouchIntervalMs: 5000, size: { kind: 'constant' as const, bytes: pages(base.pressure * g.memoryMiB * MiB) } }]
              : []),
          ],
          ...(g.growMiB > 0 && g.growth.kind !== 'reserved' ? { growth: g.growth } : {}),
        }),
      );
      const bootBytes = specs.reduce((sum, s) => sum + s.memoryBytes, 0);
      const reservedBytes = 4 * MiB;
      const kernels = specs.reduce((sum, s) => sum + s.kernelBytes, 0);
      const commit = base.pressure !== null ? Math.min(base.commitFactor, 0.7) : base.commitFactor;
      const usable = Math.max(pages(bootBytes * commit), kernels + 8 * MiB);
      const eager = base.eager && usable >= bootBytes;
      const events: ScenarioEvent[] = targets.map((t) => {
        const spec = specs[t.guest]!;
        return {
          atMs: t.atMs,
          kind: 'setTarget',
          guest: spec.name,
          target: t.percent ? { percentOfMax: Math.max(1, Math.min(100, Math.round(t.fraction * 100))) } : { bytes: pages(t.fraction * spec.maxMemoryBytes) },
          ...(t.force ? { force: true } : {}),
          ...(t.dryRun ? { dryRun: true } : {}),
        };
      });
      if (crash !== null) events.push({ atMs: crash.atMs, kind: 'crash', guest: specs[crash.guest]!.name });
      const hostBytes = usable + reservedBytes;
      for (const event of hostEvents) {
        if (event.kind === 'setReserved') events.push({ atMs: event.atMs, kind: 'setReserved', bytes: pages(event.fraction * hostBytes) });
        else if (event.kind === 'setShares') events.push({ atMs: event.atMs, kind: 'setShares', guest: specs[event.guest]!.name, shares: event.shares });
        else if (event.kind === 'setPolicy') events.push({ atMs: event.atMs, kind: 'setPolicy', policy: event.policy });
        else if (event.kind === 'hotplug') {
          const spec = specs[event.guest]!;
          if (spec.maxMemoryBytes > spec.memoryBytes) events.push({ atMs: event.atMs, kind: 'hotplug', guest: spec.name, bytes: pages(event.fraction * (spec.maxMemoryBytes - spec.memoryBytes)) + 4 * KiB });
        } else events.push({ atMs: event.atMs, kind: event.kind });
      }
      events.sort((a, b) => a.atMs - b.atMs);
      return scenario({
        name: 'property',
        seed: base.seed,
        durationMs,
        tickMs: base.tickMs,
        host: {
          memoryBytes: usable + reservedBytes,
          reservedBytes,
          swapBytes: base.hostSwapMiB * MiB,
          backing: eager ? 'eager' : 'lazy',
          policy,
          backPressure: base.backPressure,
          hotplug: base.hotplug,
          swapFaultMs: base.swapFaultMs,
          ...(base.states !== undefined ? { freeMemoryStates: base.states } : {}),
        },
        guests: specs,
        events,
      });
    });
}

/** A short readable description of a scenario for failure messages. */
export function describeScenario(s: Scenario): string {
  return JSON.stringify(s);
}
