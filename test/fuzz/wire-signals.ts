/**
 * The other half of what a hostile guest says: the signals it publishes in
 * shared memory (status, virtio stats, pressure report; see
 * src/messages/guest-signals.ts) instead of sending them. The puppet writes
 * junk into its signals block (any slot, any double: NaN, infinities,
 * negatives, fractions where counts belong, huge counts; report times set or
 * not; the seqlock left odd, as by a guest that died mid-write), and what the
 * memory manager makes of them must still be plausible: a policy's view of
 * the guest (src/host/manager/guest-signals.ts sanitises it) and the working
 * set the guard would use hold only whole counts, fractions from 0 to 1 and
 * finite times.
 */
import fc from 'fast-check';
import { workingSetEstimate } from '../../src/host/manager/working-set.js';
import { GuestSignalsWriter, SIGNAL_SLOTS, SignalSlot } from '../../src/messages/guest-signals.js';
import type { WireRun } from '../support/wire-host.js';
import { fraction } from './wire-plans.js';

/** One tick's junk in the puppet's signals block (written at the end of the tick, read by the manager at the next). */
export interface SignalsPlan {
  /** Report times set to now first, so that the junk counts as reported. */
  stamp: boolean;
  writes: Array<{ slot: number; value: number }>;
  /** The seqlock left odd after the writes. */
  torn: boolean;
}

const junk = fc.oneof(
  fc.nat({ max: 1_000_000 }),
  fraction,
  fc.constantFrom(-1, -2, -0, 0.5, 2 ** 31, 2 ** 53, 2 ** 60, 1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double(),
);

export const signalsPlan: fc.Arbitrary<SignalsPlan> = fc.record({
  stamp: fc.boolean(),
  writes: fc.array(fc.record({ slot: fc.nat({ max: SIGNAL_SLOTS - 1 }), value: junk }), { maxLength: 12 }),
  torn: fc.boolean(),
});

/** Writes a plan into the puppet's signals block, as a hostile guest would (the writer's seqlock, or half of it). */
export function publishJunk(run: WireRun, puppet: number, plan: SignalsPlan, nowMs: number): void {
  const writer = new GuestSignalsWriter(run.shared[puppet]!.buffers.signals);
  writer.begin();
  if (plan.stamp) for (const slot of [SignalSlot.STATUS_AT_MS, SignalSlot.STATS_AT_MS, SignalSlot.PRESSURE_AT_MS]) writer.values[slot] = nowMs;
  for (const { slot, value } of plan.writes) writer.values[slot] = value;
  if (!plan.torn) writer.end();
}

const isWhole = (value: unknown, min: number): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
const isShare = (value: number): boolean => value >= 0 && value <= 1;
const isSeconds = (value: number): boolean => Number.isFinite(value) && value >= 0;

/** What the manager makes of the puppet's signals now, checked; returns the problems. */
export function signalProblems(run: WireRun, puppet: number): string[] {
  const problems: string[] = [];
  const view = run.host.policyView().guests[puppet]!;
  for (const [name, value] of [['usedPages', view.usedPages], ['freePages', view.freePages]] as const) {
    if (value !== null && !isWhole(value, 0)) problems.push(`${name} ${value}`);
  }
  for (const [tag, value] of Object.entries(view.stats)) if (!isWhole(value, -1)) problems.push(`stat ${tag} ${value}`);
  if (view.pressure !== null && !(isWhole(view.pressure.availablePages, 0) && isWhole(view.pressure.committedPages, 0))) problems.push(`pressure ${JSON.stringify(view.pressure)}`);
  const psi = view.psi;
  if (psi !== null) {
    const shares = [psi.someAvg10, psi.someAvg60, psi.someAvg300, psi.fullAvg10, psi.fullAvg60, psi.fullAvg300];
    if (!shares.every(isShare) || !isSeconds(psi.someTotalSeconds) || !isSeconds(psi.fullTotalSeconds)) problems.push(`psi ${JSON.stringify(psi)}`);
  }
  const estimate = workingSetEstimate(run.host.manager.records[puppet]!, run.scenario.frameBytes);
  const record = run.host.manager.records[puppet]!;
  if (!isWhole(estimate.pages, 0) || estimate.pages > Math.max(record.kernelPages, record.memoryPages)) problems.push(`working set ${estimate.pages} pages (${estimate.source})`);
  return problems.map((problem) => `the manager reads the puppet's published signals as ${problem}`);
}
