/**
 * One wire-fuzzing case: a small host with honest guests and one hostile
 * "puppet" guest whose outboxes are words from wire-plans.ts, run tick by tick
 * through the real wire decoder and the puppet's device side, next to the
 * honest guests' device sides and the memory manager
 * (test/support/wire-host.ts), with these checks after every delivery of the
 * puppet's words:
 *
 * - nothing escapes: the decoder and the host take any words without throwing;
 * - nothing outside the sender's own frames changes: a frame changes owner
 *   only from the sender to its shard's pool (given back) or, while it is not
 *   quarantined, from free to the sender (granted); no other guest's account
 *   and no other shard's pool changes; what the host answers hands the sender
 *   only frames that were its own or free;
 * - every bad message (wire-oracle.ts) is refused and counted: violations,
 *   or refused messages once quarantined, grow by at least as many;
 * - the sender is quarantined exactly when its policy says (after
 *   `quarantineAfterViolations`, never when 0), and a quarantined sender is
 *   granted nothing (what it gives back of its own is still taken, with the
 *   usual checks: host paging, unplug);
 *
 * and the full audit stays clean every tick; the junk the puppet publishes in
 * its shared signals block reads as plausible figures (wire-signals.ts); at
 * the end, the honest guests' results (their own reports, their device sides'
 * accounts and the manager's decisions) are those of the same run with a
 * silent puppet.
 */
import fc from 'fast-check';
import type { DriverProfileName, GuestSpec, Scenario } from '../../src/model/scenario.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import { framesOfRuns, type GuestToHost, type HostToGuest } from '../../src/messages/protocol.js';
import type { MalformedOnWire } from '../../src/runtime/wire-codec.js';
import {
  audit,
  beginTick,
  deliverGuestWords,
  deliverHonest,
  FREE,
  guestFacts,
  hostDeclines,
  honestResults,
  inPoolOf,
  othersState,
  quarantineAfter,
  snapshotOwnership,
  startWireRun,
  takeReplies,
  stepHonestGuest,
  type WireRun,
} from '../support/wire-host.js';
import { badMessages } from './wire-oracle.js';
import { deliveryPlan, FrameChooser, packDelivery, type DeliveryPlan } from './wire-plans.js';
import { publishJunk, signalProblems, signalsPlan, type SignalsPlan } from './wire-signals.js';

const PROFILES: DriverProfileName[] = ['virtio', 'vmware', 'xen', 'hyperv'];

export interface WireCase {
  seed: number;
  honest: Array<{ profile: DriverProfileName; memoryMiB: number }>;
  puppet: { profile: DriverProfileName; memoryMiB: number; index: number; growth: 'reserved' | 'hotplug' | 'virtio-mem' };
  quarantineAfter: number;
  /** Shards of guests sharing a free pool (undefined: the host's default, one per guest). */
  shards: number | undefined;
  /** The puppet's deliveries, tick by tick. */
  ticks: DeliveryPlan[][];
  /** What the puppet publishes in its signals block at the end of each tick (null: nothing). */
  signals: Array<SignalsPlan | null>;
}

/** How big cases get: `npm test` keeps them small (quick to shrink); `npm run fuzz` sends more per tick. */
export interface WireCaseSize {
  messagesMax: number;
  deliveriesMax: number;
}

export const wireCase = ({ messagesMax, deliveriesMax }: WireCaseSize): fc.Arbitrary<WireCase> => fc.record({
  seed: fc.nat({ max: 2 ** 31 - 1 }),
  honest: fc.array(fc.record({ profile: fc.constantFrom(...PROFILES), memoryMiB: fc.integer({ min: 16, max: 32 }) }), { minLength: 1, maxLength: 3 }),
  puppet: fc.record({
    profile: fc.constantFrom(...PROFILES),
    memoryMiB: fc.integer({ min: 16, max: 32 }),
    index: fc.nat({ max: 3 }),
    growth: fc.constantFrom('reserved' as const, 'reserved' as const, 'hotplug' as const, 'virtio-mem' as const),
  }),
  quarantineAfter: fc.constantFrom(0, 0, 3, 25),
  shards: fc.constantFrom(undefined, undefined, 1),
  ticks: fc.array(fc.array(deliveryPlan(messagesMax), { maxLength: deliveriesMax }), { minLength: 4, maxLength: 16 }),
  signals: fc.array(fc.option(signalsPlan, { freq: 2 }), { maxLength: 16 }),
});

/** What a case did, for the fuzzer's counts. */
export interface WireCounts {
  deliveries: number;
  messages: number;
  words: number;
  badMessages: number;
  quarantined: number;
  /** Frames the puppet gave back and was granted (what its words got done). */
  framesGivenBack: number;
  framesGranted: number;
  /** Ticks whose end found junk in the puppet's signals block. */
  signalWrites: number;
}

/** Counts of a run that counts nothing. */
export const noCounts = (): WireCounts => ({ deliveries: 0, messages: 0, words: 0, badMessages: 0, quarantined: 0, framesGivenBack: 0, framesGranted: 0, signalWrites: 0 });

/** Growth past the boot size: 8 MiB of room to plug, in 2 MiB blocks. */
const GROWTH_BYTES = 8 * MiB;

function wireScenario(c: WireCase): { scenario: Scenario; puppet: number } {
  const specs: GuestSpec[] = c.honest.map((g, i) =>
    guest(`honest-${i}`, {
      memoryBytes: g.memoryMiB * MiB,
      maxMemoryBytes: g.memoryMiB * MiB,
      kernelBytes: 2 * MiB,
      driver: { profile: g.profile, inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false },
      workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'sine', minBytes: 2 * MiB, maxBytes: Math.floor((g.memoryMiB * MiB) / 3), periodMs: 6000, phaseMs: i * 1000 } }],
    }),
  );
  const puppet = c.puppet.index % (specs.length + 1);
  const grows = c.puppet.growth !== 'reserved';
  const puppetSpec = guest('puppet', {
    // Hostile: the audit does not hold it to the guest memory model's bookkeeping.
    hostile: { everyMs: 1000, attacks: ['malformed'], floodMessages: 1 },
    memoryBytes: c.puppet.memoryMiB * MiB,
    maxMemoryBytes: c.puppet.memoryMiB * MiB + (grows ? GROWTH_BYTES : 0),
    ...(grows ? { growth: { kind: c.puppet.growth, blockBytes: 2 * MiB, onlineDelayMs: 1000 } } : {}),
    kernelBytes: 2 * MiB,
    driver: { profile: c.puppet.profile, inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false },
  });
  specs.splice(puppet, 0, puppetSpec);
  const guestBytes = specs.reduce((sum, g) => sum + g.maxMemoryBytes, 0);
  return {
    puppet,
    scenario: scenario({
      name: 'wire-fuzz',
      seed: c.seed,
      durationMs: c.ticks.length * 1000,
      // Room for every guest at its maximum: what the puppet takes never leaves an honest guest short (in a
      // pool it shares with the puppet, a grant may wait for the next tick's start, which no guest can see).
      host: { memoryBytes: guestBytes + 16 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'rotate', periodMs: 3000, lowPercentOfMax: 60, groups: 2 },
        quarantineAfterViolations: c.quarantineAfter,
        ...(c.shards !== undefined ? { shards: c.shards } : {}),
      },
      guests: specs,
    }),
  };
}

function fail(what: string, tick: number, delivery: number, words: Int32Array): never {
  throw new Error(`tick ${tick}, delivery ${delivery} of the puppet (${words.length} words: [${Array.from(words.subarray(0, 40)).join(', ')}${words.length > 40 ? ', ...' : ''}]): ${what}`);
}

/** The frames a host message hands its guest: refused frames handed back, granted ones. */
function framesHanded(reply: HostToGuest): Int32Array {
  if (reply.type === 'releaseAck' || reply.type === 'reportAck') return reply.refusedFrames;
  return reply.type === 'grant' || reply.type === 'boot' ? framesOfRuns(reply.runs) : new Int32Array(0);
}

/** Delivers one outbox of the puppet and checks what the host did with it. */
function deliverAndCheck(run: WireRun, puppet: number, before: Int32Array, words: Int32Array, tick: number, delivery: number, counts: WireCounts): void {
  const facts = guestFacts(run, puppet);
  const others = othersState(run, puppet);
  let decoded: Array<GuestToHost | MalformedOnWire> = [];
  try {
    decoded = deliverGuestWords(run, puppet, words);
  } catch (error) {
    fail(`an exception escaped the decoder or the host: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, tick, delivery, words);
  }
  // The oracle reads the messages as the host did, against what held before them.
  const bad = badMessages(decoded, before, puppet, facts, run.scenario.guests[puppet]!.driver.profile === 'vmware');
  const after = snapshotOwnership(run);
  const factsAfter = guestFacts(run, puppet);
  const free = FREE;
  for (let frame = 0; frame < before.length; frame++) {
    const from = before[frame]!;
    const to = after[frame]!;
    if (from === to) continue;
    const givenBack = from === puppet && to === free && inPoolOf(run, puppet, frame);
    const granted = from === free && to === puppet && !facts.quarantined;
    if (givenBack) counts.framesGivenBack++;
    if (granted) counts.framesGranted++;
    if (!givenBack && !granted) fail(`frame ${frame} went from owner ${from} to ${to}${givenBack || from !== puppet || to !== FREE ? '' : ' (not its shard\'s pool)'}`, tick, delivery, words);
  }
  if (othersState(run, puppet) !== others) fail('another guest\'s account or another shard\'s pool changed', tick, delivery, words);
  // What the host answers hands the sender only frames that were its own or free: a refused frame given
  // back (its own, which it keeps), a granted one (free until then).
  for (const reply of takeReplies(run, puppet)) {
    const handed = framesHanded(reply);
    for (const frame of handed) {
      const owner = before[frame];
      if (owner !== puppet && owner !== FREE) fail(`the host's ${reply.type} ${'id' in reply ? reply.id : ''} hands the sender frame ${frame}, owned by ${owner} before`, tick, delivery, words);
    }
  }
  const counted = factsAfter.violations - facts.violations + (factsAfter.quarantinedMessages - facts.quarantinedMessages);
  if (counted < bad.length) fail(`${bad.length} bad messages (${bad.join('; ')}), the host counted ${counted}`, tick, delivery, words);
  const policy = quarantineAfter(run);
  const shouldBe = policy > 0 && factsAfter.violations >= policy;
  if (factsAfter.quarantined !== shouldBe) fail(`quarantined ${factsAfter.quarantined} after ${factsAfter.violations} violations, the policy is ${policy}`, tick, delivery, words);
  counts.deliveries++;
  counts.messages += decoded.length;
  counts.words += words.length;
  counts.badMessages += bad.length;
}

/** Runs the case's scenario, the puppet's deliveries among the honest guests' (none when `silent`); returns the run. */
function play(c: WireCase, silent: boolean, counts: WireCounts): WireRun {
  const { scenario: s, puppet } = wireScenario(c);
  const run = startWireRun(s, new Set([puppet]));
  const honest = Array.from({ length: run.guests }, (_, i) => i).filter((i) => i !== puppet);
  const sent: Int32Array[] = [];
  c.ticks.forEach((plans, tick) => {
    beginTick(run, tick);
    const outboxes = honest.map((index) => ({ index, outbox: stepHonestGuest(run, index) }));
    const puppetTurns = silent ? [] : plans.map((plan, delivery) => ({ plan, delivery, at: plan.position % (honest.length + 1) }));
    for (let slot = 0; slot <= honest.length; slot++) {
      for (const turn of puppetTurns) {
        if (turn.at !== slot) continue;
        const owners = snapshotOwnership(run);
        const words = turn.plan.replay > 0 && sent.length >= turn.plan.replay ? sent[sent.length - turn.plan.replay]! : packDelivery(turn.plan, new FrameChooser(owners, puppet, run.frames, hostDeclines));
        sent.push(words);
        deliverAndCheck(run, puppet, owners, words, tick, turn.delivery, counts);
      }
      const next = outboxes[slot];
      if (next !== undefined) deliverHonest(run, next.index, next.outbox);
    }
    const findings = audit(run);
    if (findings.length > 0) throw new Error(`tick ${tick}: the audit failed: ${findings.join('; ')}`);
    const junk = silent ? null : (c.signals[tick] ?? null);
    if (junk !== null) {
      publishJunk(run, puppet, junk, (tick + 1) * run.scenario.tickMs);
      const problems = signalProblems(run, puppet);
      if (problems.length > 0) throw new Error(`tick ${tick}, after the puppet published ${JSON.stringify(junk, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value))}: ${problems.join('; ')}`);
      counts.signalWrites++;
    }
  });
  if (guestFacts(run, puppet).quarantined) counts.quarantined++;
  return run;
}

/** Plays the case with the puppet, then with a silent puppet, and compares the honest guests' results. */
export function runWireCase(c: WireCase, counts: WireCounts): void {
  const hostile = play(c, false, counts);
  const silent = play(c, true, noCounts());
  const a = honestResults(hostile);
  const b = honestResults(silent);
  if (a !== b) {
    let at = 0;
    while (at < a.length && a[at] === b[at]) at++;
    throw new Error(`the honest guests' results differ from a run with a silent puppet, at: ...${a.slice(Math.max(0, at - 120), at + 80)}... vs ...${b.slice(Math.max(0, at - 120), at + 80)}...`);
  }
}
