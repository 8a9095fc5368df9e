/**
 * Fuzzing free-running mode: random scenarios with hostile guests, actors
 * that throw at random points, workers killed mid-batch and delayed batches,
 * while `fc.scheduler` decides in which order the host hears the workers and
 * they hear it back. Every run must be safe (no invariant broken, at any
 * instant the concurrent auditor looked, or at the end; every attack refused;
 * the dead own nothing), and, where the targets are within the guests'
 * reach, live (every surviving guest reaches its target once faults stop).
 *
 * `npm test` gives each property a short time budget; `npm run fuzz -- --time
 * 10m` shares a long one between them (BALLOONSIM_FUZZ_MS). A failure prints
 * its seed and the line that replays it; free-running runs depend on thread
 * timing, so a replay finds the same scenario and scheduler choices but not
 * always the same interleaving on the threads themselves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hypervFloorBytes } from '../../src/messages/floors.js';
import type { FreeRunResult } from '../../src/runtime/free/free-run-types.js';
import { simulateFree } from '../../src/runtime/free/simulate-free.js';
import type { RunSummary } from '../../src/runtime/summary.js';
import type { AttackKind, DriverProfileName, FaultPlan, GuestSpec, Scenario } from '../../src/model/scenario.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import { fuzzBudgetMs, fuzzCounter } from '../support/fuzz-report.js';
import { arbitraryScenario, guest, MiB, scenario } from '../support/scenarios.js';

const ATTACKS: AttackKind[] = ['forged', 'not-owned', 'repeated', 'out-of-range', 'absurd-count', 'flood', 'malformed'];
const PROFILES: DriverProfileName[] = ['virtio', 'vmware', 'xen', 'hyperv'];

/** The whole budget (ms) and the properties that share it (`npm run fuzz` sets it: test/support/fuzz-report.ts). */
const BUDGET_MS = fuzzBudgetMs('free') ?? 16_000;
const PROPERTIES = 2;
const PER_PROPERTY_MS = Math.floor(BUDGET_MS / PROPERTIES);
const TEST_TIMEOUT_MS = PER_PROPERTY_MS + 120_000;

const faultsArb = (durationMs: number, tickMs: number) =>
  fc.record({
    throws: fc.integer({ min: 0, max: 4 }),
    kills: fc.integer({ min: 0, max: 2 }),
    delayFraction: fc.constantFrom(0, 0.1, 0.3, 0.6),
    delayTurnsMax: fc.integer({ min: 1, max: 8 }),
    untilTicks: fc.integer({ min: 1, max: Math.max(1, Math.floor(durationMs / tickMs / 2)) }),
  });

function plan(f: { throws: number; kills: number; delayFraction: number; delayTurnsMax: number; untilTicks: number }, tickMs: number, durationMs: number): FaultPlan {
  const untilMs = f.untilTicks * tickMs;
  return { untilMs, settleMs: durationMs - untilMs, crashes: [], randomThrows: f.throws, randomKills: f.kills, delayFraction: f.delayFraction, delayTurnsMax: f.delayTurnsMax };
}

/**
 * Runs with the scheduler choosing every delivery, releasing them one at a
 * time in its order whenever some are waiting, until the run ends. Between
 * deliveries the main thread sleeps until a worker's batch schedules the next
 * one (`waitFor`): a loop that polled with setImmediate kept it busy all
 * along, on a core the workers and the auditor needed.
 */
async function runScheduled(s: Scenario, workers: number, window: number, scheduler: fc.Scheduler): Promise<FreeRunResult> {
  // A run whose batches stop for 30 s fails with where every worker was (simulate-free.ts, stallMs).
  const run = simulateFree(s, { workers, window, stallMs: 30_000, deliver: () => scheduler.schedule(Promise.resolve(), 'deliver') });
  return scheduler.waitFor(run);
}

/** Runs and protocol messages, printed at the end (and reported to `npm run fuzz`): a time budget says nothing about how much was tried. */
const count = fuzzCounter('free');
function counted(property: string, result: FreeRunResult): void {
  count({ [`${property} runs`]: 1, messages: result.messages, batches: result.batches, 'frames moved': result.framesMoved });
}

/** Safety: no invariant broken, the dead own nothing, honest guests never refused, no attack accepted. */
function expectSafe(summary: RunSummary, hostileNames: ReadonlySet<string> = new Set()): void {
  expect(summary.audit.firstViolations).toEqual([]);
  expect(summary.audit.violations).toBe(0);
  expect(summary.audit.concurrent!.sweeps).toBeGreaterThan(0);
  expect(summary.host.transferFailures).toBe(0);
  const host = summary.host;
  expect(host.freeFrames + host.hypervisorFrames + host.guestFrames).toBe(host.frames);
  for (const g of summary.guests) {
    if (!g.alive) expect(g.residentBytes, `${g.name} is dead and owns frames`).toBe(0);
    if (!hostileNames.has(g.name)) expect(g.protocolViolations, `honest ${g.name} was refused`).toBe(0);
    // A hostile guest whose worker was killed has no report of its own.
    else if (g.hostile !== undefined) expect(g.hostile.attacksAccepted, `an attack of ${g.name} was accepted`).toBe(0);
  }
}

const safety = propertyParams('free-running fuzz: safety', { numRuns: 1_000_000, interruptAfterTimeLimit: PER_PROPERTY_MS });

describe(`fuzzing free-running runs (seed ${safety.seed}, ${Math.round(PER_PROPERTY_MS / 1000)} s per property)`, () => {
  it(
    'random scenarios, hostile guests, crashes and scheduled deliveries never break an invariant',
    async () => {
      await assertProperty(
        fc.asyncProperty(
          arbitraryScenario({ crashes: true }).chain((base) =>
            fc.record({
              base: fc.constant(base),
              hostile: fc.option(fc.record({ guest: fc.nat({ max: base.guests.length - 1 }), attacks: fc.subarray(ATTACKS, { minLength: 1 }), quarantineAfter: fc.constantFrom(0, 5, 1000) }), { nil: null }),
              faults: faultsArb(base.durationMs, base.tickMs),
            }),
          ),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 4 }),
          fc.scheduler(),
          async ({ base, hostile, faults }, workers, window, scheduler) => {
            const guests = base.guests.map((g, i) =>
              hostile !== null && hostile.guest === i ? { ...g, hostile: { everyMs: base.tickMs * 3, attacks: hostile.attacks, floodMessages: 30 } } : g,
            );
            const s: Scenario = {
              ...base,
              guests,
              host: { ...base.host, ...(hostile !== null ? { quarantineAfterViolations: hostile.quarantineAfter } : {}) },
              faults: plan(faults, base.tickMs, base.durationMs),
            };
            const result = await runScheduled(s, workers, window, scheduler);
            const { summary } = result;
            counted('safety', result);
            expectSafe(summary, new Set(s.guests.filter((g) => g.hostile !== undefined).map((g) => g.name)));
          },
        ),
        safety,
      );
    },
    TEST_TIMEOUT_MS,
  );

  const liveness = propertyParams('free-running fuzz: safety and liveness', { numRuns: 1_000_000, interruptAfterTimeLimit: PER_PROPERTY_MS });

  it(
    'once faults stop, every surviving guest reaches a target within its reach',
    async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.record({
            guests: fc.array(fc.record({ profile: fc.constantFrom(...PROFILES), memoryMiB: fc.integer({ min: 32, max: 96 }), phaseMs: fc.nat({ max: 20_000 }) }), { minLength: 2, maxLength: 8 }),
            low: fc.integer({ min: 40, max: 90 }),
            groups: fc.integer({ min: 2, max: 4 }),
            periodTicks: fc.integer({ min: 3, max: 15 }),
            seed: fc.nat({ max: 2 ** 31 }),
          }),
          faultsArb(60_000, 1000),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
          fc.scheduler(),
          async (shape, faults, workers, window, scheduler) => {
            // Every target must be within reach: the squeeze leaves each guest its kernel (4 MiB), its largest
            // workload (a third of a guest; an eighth for Hyper-V) and a margin of 2 MiB for watermarks, and a
            // Hyper-V guest its floor too (its balloon stops where available memory would fall below 8 MiB + half
            // of a guest below 128 MiB, so hyperv guests are larger). The squeeze is at least what each guest needs
            // at the peak of its workload (40 % alone was too little for guests under 60 MiB).
            const specs: GuestSpec[] = shape.guests.map((g, i) => {
              const hyperv = g.profile === 'hyperv';
              const memoryBytes = (hyperv ? 128 + g.memoryMiB : g.memoryMiB) * MiB;
              return guest(`g${i}`, {
                memoryBytes,
                maxMemoryBytes: memoryBytes,
                driver: { profile: g.profile, inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false },
                workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'sine', minBytes: 2 * MiB, maxBytes: Math.floor(memoryBytes / (hyperv ? 8 : 3)), periodMs: 20_000, phaseMs: g.phaseMs } }],
              });
            });
            const reach = specs.map((g) => {
              const hyperv = g.driver.profile === 'hyperv';
              const needed = (hyperv ? hypervFloorBytes(g.memoryBytes) : 0) + g.kernelBytes + g.memoryBytes / (hyperv ? 8 : 3) + 2 * MiB;
              return Math.ceil((100 * needed) / g.memoryBytes);
            });
            const low = Math.max(shape.low, ...reach);
            const total = specs.reduce((sum, g) => sum + g.memoryBytes, 0);
            const s = scenario({
              seed: shape.seed,
              durationMs: 120_000,
              host: { memoryBytes: total + 32 * MiB, reservedBytes: 16 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'rotate', periodMs: shape.periodTicks * 1000, lowPercentOfMax: low, groups: shape.groups } },
              guests: specs,
              faults: { ...plan(faults, 1000, 60_000), settleMs: 60_000 },
            });
            const result = await runScheduled(s, workers, window, scheduler);
            const { summary } = result;
            counted('liveness', result);
            expectSafe(summary);
            const live = summary.faults!.liveness;
            expect(live.checked).toBe(true);
            expect(live.missed).toEqual([]);
          },
        ),
        liveness,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
