/**
 * The wire fuzzer's only contact with the host (test/fuzz/wire-*.ts): a run
 * of real honest guests next to "puppet" guests whose outboxes are raw words
 * from the fuzzer, and the few questions the fuzzer asks the host. Every call
 * into src/host goes through this file, so that when the host's API changes
 * (issue 10: a per-guest device side takes over message handling, grants
 * become ranges) a few lines here re-point the fuzzer: chiefly
 * `deliverGuestBytes`, which hands one guest's packed outbox to the real wire
 * decoder and the real host, and `snapshotOwnership`.
 *
 * The run is lockstep and inline: each tick the host begins the tick (events,
 * policy), honest guests step on their inboxes and their outboxes go through
 * the same wire path as a puppet's bytes.
 */
import { Auditor } from '../../src/audit/auditor.js';
import { PageState } from '../../src/guest/page-state.js';
import { Counter, GuestSharedViews, NO_FRAME } from '../../src/guest/shared-memory.js';
import type { SteppingGuest } from '../../src/faults/throwing-guest.js';
import { unbackedPagesOf } from '../../src/host/guest-account.js';
import { hostRefusesSinglePage } from '../../src/host/guest-reports.js';
import { Hypervisor } from '../../src/host/hypervisor.js';
import { guestIndexOfOwner, OWNER_FREE, OWNER_HYPERVISOR } from '../../src/host/owners.js';

// The snapshot's encoding (owner id - 1) rests on these.
if (OWNER_FREE - 1 !== -1 || OWNER_HYPERVISOR - 1 !== -2 || guestIndexOfOwner(1) !== 0) throw new Error('wire-host.ts: the owner ids of the host changed; fix snapshotOwnership');
import type { HostToGuest } from '../../src/messages/protocol.js';
import { createGuestActor } from '../../src/runtime/guest-factory.js';
import { guestInits } from '../../src/runtime/simulate.js';
import { decodeGuestOutbox, encodeGuestOutbox } from '../../src/runtime/wire-codec.js';
import type { Scenario } from '../../src/scenario/types.js';

/** Owner of a frame in a snapshot: a guest's index, or one of these. */
export const FREE = -1;
export const HYPERVISOR = -2;

export interface WireRun {
  readonly scenario: Scenario;
  /** Frames in the host's table. */
  readonly frames: number;
  readonly guests: number;
  readonly puppets: ReadonlySet<number>;
  readonly host: Hypervisor;
  readonly actors: ReadonlyArray<SteppingGuest | null>;
  readonly auditor: Auditor;
  readonly shared: ReadonlyArray<GuestSharedViews>;
  inboxes: HostToGuest[][];
  tick: number;
}

/** Boots a run; `puppets` are guests without an actor, whose outboxes come from `deliverGuestBytes` alone. */
export function startWireRun(scenario: Scenario, puppets: ReadonlySet<number>): WireRun {
  const host = new Hypervisor(scenario);
  const shared = host.accounts.map((account) => GuestSharedViews.allocate(account.pages));
  const inits = guestInits(scenario, scenario.seed, host, shared, null);
  const actors = inits.map((init) => (puppets.has(init.index) ? null : createGuestActor(init)));
  host.boot();
  return { scenario, frames: host.table.frames, guests: host.accounts.length, puppets, host, actors, auditor: new Auditor(host, shared), shared, inboxes: [], tick: -1 };
}

/** Starts tick `tick`: events and the policy, then every guest's inbox is taken (a puppet's is dropped). */
export function beginTick(run: WireRun, tick: number): void {
  run.tick = tick;
  for (const index of run.host.beginTick(tick)) run.actors[index]?.stop();
  run.inboxes = run.host.takeInboxes();
}

/** An honest guest steps on its inbox; returns its outbox packed as the wire carries it. */
export function stepHonestGuest(run: WireRun, index: number): Int32Array {
  const actor = run.actors[index];
  if (actor === null || actor === undefined) throw new Error(`stepHonestGuest: guest ${index} is a puppet`);
  return encodeGuestOutbox(actor.step(run.tick, run.inboxes[index] ?? []));
}

/** One guest's packed outbox (any words at all) through the real wire decoder to the real host. Returns how many messages the host was handed. */
export function deliverGuestBytes(run: WireRun, guestIndex: number, bytes: Int32Array): number {
  const messages = decodeGuestOutbox(bytes);
  run.host.handleOutbox(guestIndex, messages);
  return messages.length;
}

/** The host's answers to a puppet since the last call (taken: a puppet reads its inbox this way, or never). */
export function takeReplies(run: WireRun, guestIndex: number): HostToGuest[] {
  if (!run.puppets.has(guestIndex)) throw new Error(`takeReplies: guest ${guestIndex} is not a puppet; honest guests read their inboxes when they step`);
  return run.host.takeInboxOf(guestIndex);
}

/** Whether the host would decline `frame` in release `id` of a guest whose host may refuse single pages (VMware). */
export function hostDeclines(frame: number, id: number): boolean {
  return hostRefusesSinglePage(frame, id);
}

/** Who owns each frame: a guest's index, FREE or HYPERVISOR. */
export function snapshotOwnership(run: WireRun): Int32Array {
  // Owner ids are a guest's index + 1, OWNER_FREE (0) and OWNER_HYPERVISOR (-1): one less is the snapshot's encoding.
  const snapshot = run.host.table.owners.slice();
  for (let frame = 0; frame < snapshot.length; frame++) {
    const owner = snapshot[frame]! - 1;
    if (owner < HYPERVISOR || owner >= run.guests) throw new Error(`snapshotOwnership: frame ${frame} has an invalid owner id ${owner + 1}`);
    snapshot[frame] = owner;
  }
  return snapshot;
}

/** What the host holds against a guest, as far as the fuzzer's oracle needs it. */
export interface GuestFacts {
  alive: boolean;
  violations: number;
  quarantined: boolean;
  quarantinedMessages: number;
  /** Pages the host counts in the guest's balloon (what a deflate may ask back). */
  balloonPages: number;
  /** Guest memory with neither a frame nor a balloon page behind it (what a first touch may ask for). */
  unbackedPages: number;
}

export function guestFacts(run: WireRun, index: number): GuestFacts {
  const account = run.host.accounts[index]!;
  return {
    alive: account.alive,
    violations: account.protocolViolations,
    quarantined: account.quarantined,
    quarantinedMessages: account.quarantinedMessages,
    balloonPages: account.balloonPages,
    unbackedPages: unbackedPagesOf(account),
  };
}

/** The quarantine policy: violations after which a guest is quarantined (0: never). */
export function quarantineAfter(run: WireRun): number {
  return run.scenario.host.quarantineAfterViolations ?? 0;
}

function comparable(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (ArrayBuffer.isView(item) ? Array.from(item as Int32Array) : item));
}

/** Everything the host holds about every guest but `except`, as text to compare before and after a delivery. */
export function othersState(run: WireRun, except: number): string {
  return comparable(run.host.accounts.filter((account) => account.index !== except));
}

/**
 * A puppet has no guest memory of its own, so before an audit its shared
 * views are made to say exactly what the host holds for it (its messages are
 * read and dropped, as a guest reads its inbox): its frames mapped by free
 * pages, the rest of its memory in the balloon, its growth room unpopulated.
 * What the audit then checks of it is the host's side: the table against the
 * host's accounts and pool, conservation, host swap. Returns what cannot be
 * mirrored (a puppet that owns more frames than it has memory).
 */
function mirrorPuppets(run: WireRun): string[] {
  const problems: string[] = [];
  const owners = run.host.table.owners;
  for (const index of run.puppets) {
    const account = run.host.accounts[index]!;
    run.host.takeInboxOf(index);
    const views = run.shared[index]!;
    const frames: number[] = [];
    const id = account.ownerId;
    for (let frame = 0; frame < owners.length; frame++) if (owners[frame] === id) frames.push(frame);
    if (frames.length > account.memoryPages) problems.push(`guest ${account.name} owns ${frames.length} frames, it has ${account.memoryPages} pages of memory`);
    const mapped = Math.min(frames.length, account.memoryPages);
    views.frameOf.fill(NO_FRAME);
    views.frameOf.set(frames.slice(0, mapped));
    views.pageState.fill(PageState.BALLOON, mapped, account.memoryPages);
    views.pageState.fill(PageState.FREE, 0, mapped);
    views.pageState.fill(PageState.UNPOPULATED, account.memoryPages);
    views.counters.fill(0);
    views.counters[PageState.FREE] = mapped;
    views.counters[PageState.BALLOON] = account.memoryPages - mapped;
    views.counters[PageState.UNPOPULATED] = account.pages - account.memoryPages;
    views.counters[Counter.MAPPED] = mapped;
    views.counters[Counter.HOST_SWAP_SLOTS] = account.hostSwapPages;
  }
  return problems;
}

/** Audits the run (quick every tick, full at the end); returns the first findings, empty when clean. */
export function audit(run: WireRun, full: boolean): string[] {
  const problems = mirrorPuppets(run);
  if (problems.length > 0) return problems;
  const endMs = (run.tick + 1) * run.scenario.tickMs;
  const violations = full ? run.auditor.full(endMs) : run.auditor.quick(endMs);
  return violations === 0 ? [] : run.auditor.result.firstViolations.slice(0, 5);
}

/** The honest guests' results: their own reports and the host's accounts of them, as text. */
export function honestResults(run: WireRun): string {
  return comparable(
    run.actors.flatMap((actor, index) => (actor === null ? [] : [{ report: actor.report(), account: run.host.accounts[index] }])),
  );
}
